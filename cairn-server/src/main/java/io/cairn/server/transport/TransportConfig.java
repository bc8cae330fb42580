package io.cairn.server.transport;

import java.util.Objects;

/**
 * Settings of one node's peer transport. Every bound is named here and checked at start.
 *
 * @param nodeId                 this node's id, sent in every handshake
 * @param clusterId              peers with another cluster id are refused at handshake, so two
 *                               local clusters sharing ports by accident never exchange votes
 * @param bindHost               address the peer port listens on
 * @param port                   peer port; 0 picks a free one (tests)
 * @param ioThreads              event-loop threads for all peer connections of this node
 * @param queueMessagesMax       bound on messages queued for one peer; beyond it the oldest is dropped
 * @param queueBytesMax          bound on encoded bytes queued for one peer; beyond it the oldest is dropped
 * @param reconnectBackoffMinMs  first delay before re-dialing a peer that went away
 * @param reconnectBackoffMaxMs  the delay doubles per failed attempt up to this
 * @param handshakeTimeoutMs     a dialed connection without HELLO_ACK by then is closed and re-dialed
 */
public record TransportConfig(String nodeId, String clusterId, String bindHost, int port, int ioThreads,
                              int queueMessagesMax, long queueBytesMax,
                              long reconnectBackoffMinMs, long reconnectBackoffMaxMs, long handshakeTimeoutMs) {

    public static final int QUEUE_MESSAGES_MAX_DEFAULT = 8192;
    public static final long QUEUE_BYTES_MAX_DEFAULT = 64L * 1024 * 1024;

    public TransportConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(bindHost, "bindHost");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("peer port out of range: " + port);
        if (ioThreads < 1 || ioThreads > 64) throw new IllegalArgumentException("ioThreads must be 1..64: " + ioThreads);
        if (queueMessagesMax < 1) throw new IllegalArgumentException("queueMessagesMax must be >= 1");
        if (queueBytesMax < Frames.FRAME_BYTES_MAX) {
            throw new IllegalArgumentException("queueBytesMax must hold at least one largest frame ("
                    + Frames.FRAME_BYTES_MAX + " bytes): " + queueBytesMax);
        }
        if (reconnectBackoffMinMs < 1 || reconnectBackoffMaxMs < reconnectBackoffMinMs) {
            throw new IllegalArgumentException("need 1 <= reconnectBackoffMinMs <= reconnectBackoffMaxMs");
        }
        if (handshakeTimeoutMs < 1) throw new IllegalArgumentException("handshakeTimeoutMs must be >= 1");
    }

    /** Defaults for a node: 2 I/O threads, 8192 messages / 64 MiB per peer, backoff 50 ms..1 s. */
    public static TransportConfig defaults(String nodeId, String clusterId, String bindHost, int port) {
        return new TransportConfig(nodeId, clusterId, bindHost, port, 2, QUEUE_MESSAGES_MAX_DEFAULT,
                QUEUE_BYTES_MAX_DEFAULT, 50, 1000, 5000);
    }

    public TransportConfig withQueueMessagesMax(int max) {
        return new TransportConfig(nodeId, clusterId, bindHost, port, ioThreads, max, queueBytesMax,
                reconnectBackoffMinMs, reconnectBackoffMaxMs, handshakeTimeoutMs);
    }

    public TransportConfig withPort(int newPort) {
        return new TransportConfig(nodeId, clusterId, bindHost, newPort, ioThreads, queueMessagesMax, queueBytesMax,
                reconnectBackoffMinMs, reconnectBackoffMaxMs, handshakeTimeoutMs);
    }
}
