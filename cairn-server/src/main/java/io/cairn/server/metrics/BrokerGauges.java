package io.cairn.server.metrics;

import io.cairn.server.broker.Broker;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionHandle;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;

import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Per-partition and per-group gauges, computed from the broker at scrape time. Reading at scrape
 * time keeps no second table of partitions that could drift from the registry after a delete.
 */
public final class BrokerGauges {
    private BrokerGauges() {}

    public static void register(NodeMetrics metrics, Broker broker) {
        var registry = metrics.registry();
        GaugeWithCallback.builder()
            .name("cairn_partition_high_watermark")
            .help("First offset not yet committed, per partition replica on this node")
            .labelNames("topic", "partition")
            .callback(cb -> eachPartition(broker, (t, s) ->
                cb.call(s.highWatermark(), t, Integer.toString(s.partition()))))
            .register(registry);
        GaugeWithCallback.builder()
            .name("cairn_partition_log_start")
            .help("First offset still stored, per partition replica on this node")
            .labelNames("topic", "partition")
            .callback(cb -> eachPartition(broker, (t, s) ->
                cb.call(s.logStart(), t, Integer.toString(s.partition()))))
            .register(registry);
        GaugeWithCallback.builder()
            .name("cairn_partition_log_bytes")
            .help("Bytes of segment files, per partition replica on this node")
            .labelNames("topic", "partition")
            .callback(cb -> eachPartition(broker, (t, s) ->
                cb.call(s.logBytes(), t, Integer.toString(s.partition()))))
            .register(registry);
        GaugeWithCallback.builder()
            .name("cairn_group_lag")
            .help("Records between a group's committed position and the high watermark")
            .labelNames("group", "topic", "partition")
            .callback(cb -> {
                for (var topic : broker.listTopics()) {
                    for (int p = 0; p < topic.partitions(); p++) {
                        PartitionHandle handle;
                        Map<String, Long> groups;
                        try {
                            handle = broker.partition(topic.name(), p);
                            groups = handle.groupOffsets();
                        } catch (BrokerException | UnsupportedOperationException e) {
                            continue; // deleted meanwhile, still recovering, or the replica cannot list groups
                        }
                        long hw = handle.status().highWatermark();
                        for (var g : groups.entrySet()) {
                            cb.call(Math.max(0, hw - (g.getValue() + 1)), g.getKey(), topic.name(),
                                Integer.toString(p));
                        }
                    }
                }
            })
            .register(registry);
    }

    private static void eachPartition(Broker broker, BiConsumer<String, PartitionHandle.Status> action) {
        for (var topic : broker.listTopics()) {
            for (int p = 0; p < topic.partitions(); p++) {
                try {
                    action.accept(topic.name(), broker.partition(topic.name(), p).status());
                } catch (BrokerException e) {
                    // Deleted between listing and reading, or still recovering: it drops out of this
                    // scrape rather than failing the whole scrape (which would hide every other metric).
                }
            }
        }
    }
}
