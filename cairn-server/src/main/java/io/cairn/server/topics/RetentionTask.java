package io.cairn.server.topics;

import io.cairn.server.broker.Broker.Retention;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.SegmentInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Applies each topic's retention (age and size) every {@code retentionCheckMs} on its own
 * scheduler thread, never on an event loop. It only <em>chooses</em> a new log start; the
 * partition applies it through {@link PartitionHandle#deleteBefore(long)}, the same replicated
 * path as {@code POST /broker/delete-before}, so followers drop the same segments.
 */
public final class RetentionTask implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetentionTask.class);
    /** Bound on one partition's deleteBefore; a slower one is logged and retried next round. */
    private static final long DELETE_TIMEOUT_MS = 30_000;

    private final TopicRegistry registry;
    private final LongSupplier clockMs;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cairn-retention");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean warnedUnsupported;

    public RetentionTask(TopicRegistry registry, LongSupplier clockMs) {
        this.registry = registry;
        this.clockMs = clockMs;
    }

    public void start(long periodMs) {
        scheduler.scheduleWithFixedDelay(this::runOnceSafely, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    private void runOnceSafely() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            // One failed round must not cancel the schedule (a thrown exception would).
            log.error("retention round failed; retrying next round", e);
        }
    }

    /** One pass over every topic with a retention bound. */
    void runOnce() {
        long nowMs = clockMs.getAsLong();
        for (var entry : registry.openTopics()) {
            Retention retention = entry.getKey().retention();
            if (retention.ms() == null && retention.bytes() == null) {
                continue;
            }
            PartitionHandle[] handles = entry.getValue();
            for (int p = 0; p < handles.length; p++) {
                applyTo(entry.getKey().name(), p, handles[p], retention, nowMs);
            }
        }
    }

    private void applyTo(String topic, int partition, PartitionHandle handle, Retention retention, long nowMs) {
        List<SegmentInfo> segments;
        try {
            segments = handle.segments();
        } catch (UnsupportedOperationException e) {
            if (!warnedUnsupported) {
                warnedUnsupported = true;
                log.warn("retention is configured but the partition replica cannot list segments: {}", e.getMessage());
            }
            return;
        }
        PartitionHandle.Status status = handle.status();
        long newStart = newLogStart(segments, retention, nowMs, status.highWatermark());
        if (newStart <= status.logStart()) {
            return;
        }
        try {
            var result = handle.deleteBefore(newStart).get(DELETE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (result.deletedSegments() > 0) {
                log.info("retention on {}/{}: log start {} -> {}, {} segments, {} bytes freed", topic, partition,
                    status.logStart(), result.logStart(), result.deletedSegments(), result.freedBytes());
            }
        } catch (CompletionException | java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof BrokerException.NotLeader)) { // followers get it through Raft
                log.warn("retention on {}/{} failed: {}", topic, partition, String.valueOf(e.getCause()));
            }
        } catch (java.util.concurrent.TimeoutException e) {
            log.warn("retention on {}/{} took over {} ms; retrying next round", topic, partition, DELETE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The offset retention would move the log start to: past the oldest sealed segments that are
     * older than {@code retention.ms} or keep the log over {@code retention.bytes}. The active
     * segment is never deleted, nor anything at or above the high watermark (uncommitted).
     */
    static long newLogStart(List<SegmentInfo> segments, Retention retention, long nowMs, long highWatermark) {
        long totalBytes = segments.stream().mapToLong(SegmentInfo::sizeBytes).sum();
        long start = Long.MIN_VALUE;
        for (SegmentInfo s : segments) {
            if (!s.sealed() || s.endOffset() > highWatermark) {
                break;
            }
            boolean tooOld = retention.ms() != null && s.maxTimestampMs() >= 0
                && s.maxTimestampMs() < nowMs - retention.ms();
            boolean tooBig = retention.bytes() != null && totalBytes > retention.bytes();
            if (!tooOld && !tooBig) {
                break;
            }
            totalBytes -= s.sizeBytes();
            start = s.endOffset();
        }
        return start;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(DELETE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
