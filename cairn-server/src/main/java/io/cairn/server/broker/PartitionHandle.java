package io.cairn.server.broker;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One partition replica on this node. Writes are proposed through the partition's Raft group;
 * a single node is a one-voter group, so there is one write path.
 *
 * <p>Offsets: {@code -1} is "none". The high watermark is the first offset not yet committed;
 * consume never returns records at or above it.
 */
public interface PartitionHandle extends AutoCloseable {

    /**
     * Appends the records as one atomic batch. Completes once the write concern is met (the
     * batch is fsynced on the replicas {@code acks} names); records with an idempotency key
     * already in the dedupe window come back with their original offset and {@code duplicate=true}.
     * Fails with NotLeader, NoLeader, DiskFull, Overloaded, or OutcomeUnknown (timeout).
     */
    CompletableFuture<ProduceResult> produce(List<ProduceRecord> records, Acks acks, long timeoutMs);

    /**
     * As {@link #produce(List, Acks, long)}, with a successful result delivered by a task on
     * {@code answerOn} (the caller's event loop), so the caller's continuation runs there rather
     * than on the thread that met the write concern. A failure may complete on any thread.
     */
    default CompletableFuture<ProduceResult> produce(List<ProduceRecord> records, Acks acks, long timeoutMs,
                                                     Executor answerOn) {
        return produce(records, acks, timeoutMs).thenApplyAsync(r -> r, answerOn);
    }

    /**
     * Reads committed records from {@code offset}. When nothing is available and
     * {@code waitMs > 0}, completes when records arrive or the wait ends (with an empty page).
     * At least one record is returned when any is available, even over {@code maxBytes}.
     */
    CompletableFuture<ConsumeResult> consume(long offset, int limit, long maxBytes, long waitMs);

    /** Records the group's last processed offset; a commit at or below the current one is a no-op. */
    CompletableFuture<CommitResult> commit(String group, long offset);

    /** The group's committed offset on this replica, or -1 (a follower's may be behind the leader's). */
    long committedOffset(String group);

    /**
     * The group's committed offset as the leader knows it, or -1: where a consumer that names no
     * offset resumes. A linearizable read: a replica that cannot vouch for it (a follower, a leader
     * still applying its log, a deposed leader that does not know it yet) fails the future with
     * {@link BrokerException.NotLeader} or {@link BrokerException.Unavailable}, so a resuming
     * consumer never goes back to an older commit (promise 5). The future may complete on any thread.
     */
    default CompletableFuture<Long> leaderCommittedOffset(String group) {
        return CompletableFuture.completedFuture(committedOffset(group));
    }

    /**
     * Every group with a committed offset in this partition, for {@code GET /metrics} group lag
     * and {@code GET /broker/groups/{group}}. Implementations must override this; the default
     * says listing is unsupported (callers then report no groups for this partition).
     */
    default java.util.Map<String, Long> groupOffsets() {
        throw new UnsupportedOperationException(getClass().getName() + " does not list its groups");
    }

    /** Raises the log start; deletes whole sealed segments below it. */
    CompletableFuture<DeleteBeforeResult> deleteBefore(long offset);

    Status status();

    /**
     * The log's segments, oldest first, for the retention task: it picks the new log start from
     * segment ages and sizes and applies it with {@link #deleteBefore(long)}, so retention is one
     * replicated operation rather than a per-replica decision. Only sealed segments may be
     * deleted. Implementations must override this; the default says retention is unsupported.
     */
    default List<SegmentInfo> segments() {
        throw new UnsupportedOperationException(getClass().getName() + " does not list its segments");
    }

    /**
     * Stops the replica and releases its files. Pending futures complete exceptionally. After
     * this returns the registry may delete the replica's directory (topic delete).
     */
    @Override
    default void close() {}

    enum Acks { LEADER, MAJORITY, ALL }

    /** {@code key} and {@code idempotencyKey} may be null. */
    record ProduceRecord(byte[] key, byte[] value, String idempotencyKey) {}

    record RecordResult(long offset, boolean duplicate) {}

    /** Server-side timing for {@code ?timing=1}; microseconds, -1 when not measured. */
    record Timing(long queueUs, long serverUs, long fsyncUs, long replicateUs) {}

    record ProduceResult(int partition, List<RecordResult> results, Timing timing) {}

    record StoredRecord(long offset, long timestampMs, byte[] key, byte[] value) {}

    /**
     * {@code reset=true} when the requested offset was below the log start: the page is empty and
     * {@code nextOffset} is the log start.
     */
    record ConsumeResult(List<StoredRecord> records, long nextOffset, long highWatermark,
                         long logStart, boolean reset) {}

    record CommitResult(long committedOffset, boolean advanced) {}

    /**
     * One segment file: offsets {@code [baseOffset, endOffset)}, its size on disk, and the newest
     * record timestamp in it (leader wall clock, ms; -1 when empty).
     */
    record SegmentInfo(long baseOffset, long endOffset, long sizeBytes, long maxTimestampMs, boolean sealed) {}

    record DeleteBeforeResult(long logStart, int deletedSegments, long freedBytes) {}

    /** Replica progress for {@code GET /cluster}: lag is in Raft entries. */
    record ReplicaStatus(String nodeId, long matchIndex, long lag) {}

    record Status(int partition, String leaderId, long term, long logStart, long highWatermark,
                  long commitIndex, long logBytes, List<String> replicas, List<ReplicaStatus> replicaProgress) {}
}
