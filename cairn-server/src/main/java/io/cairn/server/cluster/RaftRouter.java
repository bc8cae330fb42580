package io.cairn.server.cluster;

import io.cairn.core.raft.RaftMessage;
import io.cairn.server.transport.InboundHandler;
import io.cairn.server.transport.PeerMessage;
import io.cairn.server.transport.PeerTransport;
import io.cairn.storage.FrameChunk;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Connects the peer transport to this node's Raft groups: inbound messages go to the group
 * registered under their group id, outbound messages to the transport. A message for a group this
 * node does not (yet) run is counted and dropped: it happens while a topic is being created or
 * deleted, and the sender retries.
 *
 * <p>Partition groups register with {@link #registerWithFrames} and also receive the storage
 * frames an append carries (see {@link PeerMessage}); the metadata group registers with
 * {@link #register} and gets the Raft message alone.
 *
 * <p>Bound: one entry per Raft group hosted on this node.
 */
public final class RaftRouter implements InboundHandler<PeerMessage>, RaftSender {
    /** A registered inbox; {@code owner} is what the caller passed, so registering it again is recognised. */
    private record Inbox(Object owner, BiConsumer<RaftMessage, FrameChunk> deliver) {}

    private final Map<Long, Inbox> groups = new ConcurrentHashMap<>();
    private final AtomicLong unknownGroup = new AtomicLong();
    private volatile PeerTransport<PeerMessage> transport;

    public void attach(PeerTransport<PeerMessage> transport) {
        this.transport = transport;
    }

    public void register(long groupId, Consumer<RaftMessage> inbox) {
        put(groupId, new Inbox(inbox, (m, frames) -> inbox.accept(m)));
    }

    /** Registers a group that can append received storage frames as they are. */
    public void registerWithFrames(long groupId, BiConsumer<RaftMessage, FrameChunk> inbox) {
        put(groupId, new Inbox(inbox, inbox));
    }

    private void put(long groupId, Inbox inbox) {
        Inbox old = groups.putIfAbsent(groupId, inbox);
        if (old != null && old.owner() != inbox.owner()) {
            throw new IllegalStateException("Raft group " + groupId + " is already registered on this node");
        }
    }

    public void unregister(long groupId) {
        groups.remove(groupId);
    }

    @Override
    public void onMessage(String fromNodeId, long groupId, PeerMessage message) {
        Inbox inbox = groups.get(groupId);
        if (inbox == null) {
            unknownGroup.incrementAndGet();
            return;
        }
        inbox.deliver().accept(message.raft(), message.frames());
    }

    @Override
    public void send(RaftMessage message) {
        PeerTransport<PeerMessage> t = transport;
        if (t != null) t.send(message.to().value(), message.groupId().value(), PeerMessage.of(message));
    }

    /** Sends an append together with its entries' storage frames (frame {@code k} is entry {@code k}). */
    public void sendWithFrames(RaftMessage.AppendRequest message, FrameChunk frames) {
        PeerTransport<PeerMessage> t = transport;
        if (t != null) t.send(message.to().value(), message.groupId().value(), new PeerMessage(message, frames));
    }

    /** Messages that arrived for a group this node does not run. */
    public long unknownGroupMessages() {
        return unknownGroup.get();
    }
}
