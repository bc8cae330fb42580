package io.cairn.server.transport;

/**
 * Receives messages from peers. Called on a transport event-loop thread: implementations hand
 * the message to the thread that owns the group and return at once, never block.
 */
@FunctionalInterface
public interface InboundHandler<M> {
    void onMessage(String fromNodeId, long groupId, M message);
}
