package io.cairn.server.transport;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Exposes a transport's per-peer counters on {@code /metrics}; values are read at scrape time. */
public final class TransportMetrics {
    private TransportMetrics() {}

    public static void register(PrometheusRegistry registry, PeerTransport<?> t) {
        CounterWithCallback.builder().name("cairn_peer_sent_messages_total")
                .help("Raft messages handed to the socket, per destination peer").labelNames("peer")
                .callback(cb -> t.stats().forEach(s -> cb.call(s.sentMessages(), s.nodeId()))).register(registry);
        CounterWithCallback.builder().name("cairn_peer_dropped_messages_total")
                .help("Raft messages dropped because the peer's bounded queue was full (oldest first)").labelNames("peer")
                .callback(cb -> t.stats().forEach(s -> cb.call(s.droppedMessages(), s.nodeId()))).register(registry);
        CounterWithCallback.builder().name("cairn_peer_flushes_total")
                .help("Socket flushes per peer; sent/flushes is the batching factor").labelNames("peer")
                .callback(cb -> t.stats().forEach(s -> cb.call(s.flushes(), s.nodeId()))).register(registry);
        CounterWithCallback.builder().name("cairn_peer_connects_total")
                .help("Successful handshakes per peer (1 + reconnects)").labelNames("peer")
                .callback(cb -> t.stats().forEach(s -> cb.call(s.connects(), s.nodeId()))).register(registry);
        GaugeWithCallback.builder().name("cairn_peer_queued_messages")
                .help("Raft messages waiting in the peer's bounded queue").labelNames("peer")
                .callback(cb -> t.stats().forEach(s -> cb.call(s.queuedMessages(), s.nodeId()))).register(registry);
        GaugeWithCallback.builder().name("cairn_peer_connected")
                .help("1 when the outbound connection to the peer is up and handshaken").labelNames("peer")
                .callback(cb -> t.stats().forEach(s -> cb.call(s.connected() ? 1 : 0, s.nodeId()))).register(registry);
        CounterWithCallback.builder().name("cairn_peer_received_messages_total")
                .help("Raft messages received from all peers")
                .callback(cb -> cb.call(t.receivedMessages())).register(registry);
        CounterWithCallback.builder().name("cairn_peer_corrupt_frames_total")
                .help("Inbound frames with a bad length or checksum (the connection was closed)")
                .callback(cb -> cb.call(t.corruptFrames())).register(registry);
    }
}
