package io.cairn.server.cluster;

import io.cairn.core.raft.RaftMessage;

/**
 * Sends Raft messages to other nodes. Best effort and non-blocking: a message may be lost, which
 * Raft tolerates; it is never delivered to another group or node than it names.
 */
@FunctionalInterface
public interface RaftSender {
    void send(RaftMessage message);

    default void sendAll(Iterable<? extends RaftMessage> messages) {
        for (RaftMessage m : messages) send(m);
    }
}
