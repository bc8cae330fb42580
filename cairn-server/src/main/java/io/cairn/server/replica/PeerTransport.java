package io.cairn.server.replica;

import io.cairn.core.NodeId;
import io.cairn.core.raft.RaftMessage;
import io.cairn.storage.FrameChunk;

import java.util.Optional;

/**
 * How a replica's Raft messages reach the other members of its group. A one-voter group never
 * sends anything, so a single node uses {@link #NONE}; the cluster's peer transport implements
 * this to batch messages per peer over one TCP connection and deliver incoming ones with
 * {@link PartitionReplica#deliver(RaftMessage)}.
 *
 * <p>Called only from the group's thread; implementations must not block (queue and return).
 */
public interface PeerTransport {

    /** Queues {@code message} for {@code message.to()}; may drop it (Raft tolerates loss). */
    void send(RaftMessage message);

    /**
     * Queues an append together with its entries' storage frames as read from the segment log
     * (frame {@code k} is entry {@code k}), so the follower can append those bytes as they are.
     * A transport that cannot carry frames sends the append alone; the follower then encodes
     * the frames itself, which gives the same bytes.
     */
    default void sendWithFrames(RaftMessage.AppendRequest message, FrameChunk frames) {
        send(message);
    }

    /** The HTTP base URL of a node, for 307 redirects to the leader; empty when unknown. */
    Optional<String> httpUrl(NodeId node);

    /** For single-node operation: a one-voter group has no one to talk to. */
    PeerTransport NONE = new PeerTransport() {
        @Override
        public void send(RaftMessage message) {
            throw new IllegalStateException("a one-voter group tried to send " + message
                    + "; multi-voter groups need a peer transport");
        }

        @Override
        public Optional<String> httpUrl(NodeId node) {
            return Optional.empty();
        }
    };
}
