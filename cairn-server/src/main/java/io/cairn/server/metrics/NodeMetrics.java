package io.cairn.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Every metric one node exposes on {@code GET /metrics}. Each node owns its own registry (never
 * the JVM-wide default), so several nodes in one test JVM do not mix their numbers.
 *
 * <p>The replica layer records into {@link #recordFsyncNanos(long)} and
 * {@link #recordReplicationNanos(long)}; the HTTP layer records requests, bytes and the
 * per-request timing stages. Per-partition and per-group gauges are read at scrape time by
 * {@link BrokerGauges}, so nothing here holds a table that grows with topics.
 */
public final class NodeMetrics {
    private static final double NANOS_PER_SECOND = 1e9;
    /** Latency buckets from 50 µs to 10 s: fsync on a fast SSD is ~100 µs, a stalled disk seconds. */
    private static final double[] LATENCY_BOUNDS_SECONDS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
        0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();

    private final Counter requests = Counter.builder()
        .name("cairn_http_requests_total")
        .help("HTTP requests answered, by route template, method and status")
        .labelNames("route", "method", "status")
        .register(registry);

    private final Histogram requestLatency = Histogram.builder()
        .name("cairn_http_request_duration_seconds")
        .help("Time from a request fully read to its answer written, by route template")
        .labelNames("route")
        .classicOnly().classicUpperBounds(LATENCY_BOUNDS_SECONDS)
        .register(registry);

    private final Histogram produceLatency = Histogram.builder()
        .name("cairn_produce_latency_seconds")
        .help("Produce requests (raw and NDJSON) from body read to acknowledgement, successful ones only")
        .classicOnly().classicUpperBounds(LATENCY_BOUNDS_SECONDS)
        .register(registry);

    private final Histogram fsyncLatency = Histogram.builder()
        .name("cairn_fsync_latency_seconds")
        .help("Duration of each fsync of a partition log (one fsync may cover many requests)")
        .classicOnly().classicUpperBounds(LATENCY_BOUNDS_SECONDS)
        .register(registry);

    private final Histogram replicationLatency = Histogram.builder()
        .name("cairn_replication_latency_seconds")
        .help("From a leader's append to the write concern being met on the replicas")
        .classicOnly().classicUpperBounds(LATENCY_BOUNDS_SECONDS)
        .register(registry);

    private final Counter replicaRepairs = Counter.builder()
        .name("cairn_replica_repairs_total")
        .help("Times a replica found damaged stored data, cut its log before it and began refilling it from its peers")
        .register(registry);

    private final Counter batchEntries = Counter.builder()
        .name("cairn_produce_batch_entries_total")
        .help("Record-batch entries proposed by partitions this node leads (one log entry, one fsync per replica)")
        .register(registry);

    private final Counter batchedRequests = Counter.builder()
        .name("cairn_produce_batched_requests_total")
        .help("Produce requests carried by those entries; divided by the entries, the group commit's batching")
        .register(registry);

    private final StageTimings stageTiming = register(new StageTimings());

    private final Counter bytesIn = Counter.builder()
        .name("cairn_bytes_in_total").help("Record value bytes accepted by produce, by topic")
        .labelNames("topic").register(registry);
    private final Counter recordsIn = Counter.builder()
        .name("cairn_records_in_total").help("Records accepted by produce (duplicates excluded), by topic")
        .labelNames("topic").register(registry);
    private final Counter bytesOut = Counter.builder()
        .name("cairn_bytes_out_total").help("Record value bytes returned by consume and stream, by topic")
        .labelNames("topic").register(registry);
    private final Counter recordsOut = Counter.builder()
        .name("cairn_records_out_total").help("Records returned by consume and stream, by topic")
        .labelNames("topic").register(registry);

    /** Open HTTP connections, read at scrape time from the server's own counter. */
    public void registerConnectionsGauge(java.util.function.IntSupplier open) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
            .name("cairn_http_connections_open")
            .help("HTTP connections open now, streams and long-polls included")
            .callback(cb -> cb.call(open.getAsInt()))
            .register(registry);
    }

    /** fsyncs of partition segment files, however many appends and partitions each one covered. */
    public void registerFsyncCounter(java.util.function.LongSupplier fsyncs) {
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder()
            .name("cairn_log_fsyncs_total")
            .help("fsync calls on partition segment files (one may cover many appends)")
            .callback(cb -> cb.call(fsyncs.getAsLong()))
            .register(registry);
    }

    private StageTimings register(StageTimings t) {
        registry.register(t);
        return t;
    }

    /** The registry, for scrape-time gauges registered by the node. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Called by the replica layer after each fsync of a partition log completes. */
    public void recordFsyncNanos(long nanos) {
        fsyncLatency.observe(nanos / NANOS_PER_SECOND);
    }

    /** Called by the replica layer when a batch meets its write concern on the replicas. */
    public void recordReplicationNanos(long nanos) {
        replicationLatency.observe(nanos / NANOS_PER_SECOND);
    }

    /** Called by a partition leader for each record-batch entry it proposes, with the requests it carries. */
    public void recordBatchEntry(int requests) {
        batchEntries.inc();
        batchedRequests.inc(requests);
    }

    /** Called by the replica layer when it starts repairing a damaged log from its peers. */
    public void recordReplicaRepair() {
        replicaRepairs.inc();
    }

    public void recordRequest(String route, String method, int status, long nanos) {
        requests.labelValues(route, method, Integer.toString(status)).inc();
        requestLatency.labelValues(route).observe(nanos / NANOS_PER_SECOND);
    }

    public void recordProduce(String topic, long records, long bytes, long nanos) {
        produceLatency.observe(nanos / NANOS_PER_SECOND);
        recordsIn.labelValues(topic).inc(records);
        bytesIn.labelValues(topic).inc(bytes);
    }

    public void recordConsume(String topic, long records, long bytes) {
        recordsOut.labelValues(topic).inc(records);
        bytesOut.labelValues(topic).inc(bytes);
    }

    /** One produce request's stage; negative values mean "not measured" and are skipped. */
    public void recordStageMicros(Stage stage, long micros) {
        if (micros >= 0) {
            stageTiming.record(stage, micros);
        }
    }

    /** Forgets a deleted topic's counters so the scrape does not report a topic that is gone. */
    public void forgetTopic(String topic) {
        bytesIn.remove(topic);
        recordsIn.remove(topic);
        bytesOut.remove(topic);
        recordsOut.remove(topic);
    }

    /** The Prometheus text exposition (format 0.0.4) of every metric. */
    public byte[] scrape() {
        var out = new ByteArrayOutputStream(16 * 1024);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** The stages of {@code cairn_server_timing_seconds}, as {@code ?timing=1} reports them. */
    public enum Stage {
        PARSE("parse"), QUEUE("queue"), HANDLER("handler"), FSYNC("fsync"), REPLICATION("replication");

        final String label;

        Stage(String label) {
            this.label = label;
        }
    }
}
