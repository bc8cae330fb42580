package io.cairn.server.cluster;

import io.cairn.core.raft.RaftMessage;
import io.cairn.server.transport.InboundHandler;
import io.cairn.server.transport.PeerTransport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Connects the peer transport to this node's Raft groups: inbound messages go to the group
 * registered under their group id, outbound messages to the transport. A message for a group this
 * node does not (yet) run is counted and dropped: it happens while a topic is being created or
 * deleted, and the sender retries.
 *
 * <p>Bound: one entry per Raft group hosted on this node.
 */
public final class RaftRouter implements InboundHandler<RaftMessage>, RaftSender {
    private final Map<Long, Consumer<RaftMessage>> groups = new ConcurrentHashMap<>();
    private final AtomicLong unknownGroup = new AtomicLong();
    private volatile PeerTransport<RaftMessage> transport;

    public void attach(PeerTransport<RaftMessage> transport) {
        this.transport = transport;
    }

    public void register(long groupId, Consumer<RaftMessage> inbox) {
        Consumer<RaftMessage> old = groups.putIfAbsent(groupId, inbox);
        if (old != null && old != inbox) {
            throw new IllegalStateException("Raft group " + groupId + " is already registered on this node");
        }
    }

    public void unregister(long groupId) {
        groups.remove(groupId);
    }

    @Override
    public void onMessage(String fromNodeId, long groupId, RaftMessage message) {
        Consumer<RaftMessage> inbox = groups.get(groupId);
        if (inbox == null) {
            unknownGroup.incrementAndGet();
            return;
        }
        inbox.accept(message);
    }

    @Override
    public void send(RaftMessage message) {
        PeerTransport<RaftMessage> t = transport;
        if (t != null) t.send(message.to().value(), message.groupId().value(), message);
    }

    /** Messages that arrived for a group this node does not run. */
    public long unknownGroupMessages() {
        return unknownGroup.get();
    }
}
