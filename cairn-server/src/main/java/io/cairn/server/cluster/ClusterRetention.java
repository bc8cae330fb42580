package io.cairn.server.cluster;

import io.cairn.core.NodeId;
import io.cairn.server.broker.Broker.Retention;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.SegmentInfo;
import io.cairn.server.cluster.metadata.TopicMeta;
import io.cairn.server.replica.PartitionReplica;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention by age and size on a cluster node. Only the partition's leader decides: it picks the
 * new log start from its segments and applies it through {@link PartitionHandle#deleteBefore},
 * a replicated entry, so every replica drops the same segments. The choice of log start is the
 * single-node {@code RetentionTask}'s rule (whole sealed, committed segments, oldest first).
 */
final class ClusterRetention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterRetention.class);
    /** Bound on one partition's deleteBefore; a slower one is retried next round. */
    private static final long DELETE_TIMEOUT_MS = 30_000;

    private final NodeId self;
    private final ClusterBroker broker;
    private final LongSupplier clockMs;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cairn-retention");
        t.setDaemon(true);
        return t;
    });

    ClusterRetention(NodeId self, ClusterBroker broker, LongSupplier clockMs) {
        this.self = self;
        this.broker = broker;
        this.clockMs = clockMs;
    }

    void start(long periodMs) {
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                runOnce();
            } catch (RuntimeException e) {
                // One failed round must not cancel the schedule.
                log.error("retention round failed; retrying next round", e);
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    void runOnce() {
        long now = clockMs.getAsLong();
        for (ClusterBroker.LocalTopic t : broker.localTopics().values()) {
            TopicMeta m = t.meta();
            if (m.retentionMs() == null && m.retentionBytes() == null) continue;
            Retention retention = new Retention(m.retentionMs(), m.retentionBytes());
            for (int p = 0; p < t.handles().length; p++) {
                if (t.handles()[p] instanceof PartitionReplica r && self.value().equals(r.status().leaderId())) {
                    apply(m.name(), p, r, retention, now);
                }
            }
        }
    }

    private void apply(String topic, int partition, PartitionReplica r, Retention retention, long nowMs) {
        PartitionHandle.Status status = r.status();
        long newStart = newLogStart(r.segments(), retention, nowMs, status.highWatermark());
        if (newStart <= status.logStart()) return;
        try {
            var result = r.deleteBefore(newStart).get(DELETE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            log.info("retention on {}/{}: log start {} -> {}, {} segments, {} bytes freed", topic, partition,
                    status.logStart(), result.logStart(), result.deletedSegments(), result.freedBytes());
        } catch (Exception e) {
            log.warn("retention on {}/{} failed (retrying next round): {}", topic, partition, e.toString());
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
        }
    }

    /** Same rule as the single-node RetentionTask: past the oldest sealed, committed segments over a bound. */
    static long newLogStart(List<SegmentInfo> segments, Retention retention, long nowMs, long highWatermark) {
        long totalBytes = segments.stream().mapToLong(SegmentInfo::sizeBytes).sum();
        long start = Long.MIN_VALUE;
        for (SegmentInfo s : segments) {
            if (!s.sealed() || s.endOffset() > highWatermark) break;
            boolean tooOld = retention.ms() != null && s.maxTimestampMs() >= 0 && s.maxTimestampMs() < nowMs - retention.ms();
            boolean tooBig = retention.bytes() != null && totalBytes > retention.bytes();
            if (!tooOld && !tooBig) break;
            totalBytes -= s.sizeBytes();
            start = s.endOffset();
        }
        return start;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
