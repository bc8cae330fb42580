package io.cairn.server.transport;

/**
 * Counters of one outbound peer connection, for {@code /metrics} and tests.
 *
 * @param connected        handshake done and the connection is open
 * @param queuedMessages   messages waiting in the bounded queue now
 * @param sentMessages     messages handed to the socket since start
 * @param droppedMessages  messages dropped because the queue was full (oldest first) or the transport closed
 * @param flushes          socket flushes; {@code sentMessages / flushes} is the batching factor
 * @param connects         successful handshakes since start (1 + reconnects)
 * @param lastError        why the last connection attempt or connection failed, or null
 */
public record PeerStats(String nodeId, boolean connected, int queuedMessages, long sentMessages,
                        long droppedMessages, long flushes, long connects, String lastError) {}
