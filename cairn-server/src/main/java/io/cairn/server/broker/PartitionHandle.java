package io.cairn.server.broker;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One partition replica on this node. Writes are proposed through the partition's Raft group;
 * a single node is a one-voter group, so there is one write path.
 *
 * <p>Offsets: {@code -1} is "none". The high watermark is the first offset not yet committed;
 * consume never returns records at or above it.
 */
public interface PartitionHandle {

    /**
     * Appends the records as one atomic batch. Completes once the write concern is met (the
     * batch is fsynced on the replicas {@code acks} names); records with an idempotency key
     * already in the dedupe window come back with their original offset and {@code duplicate=true}.
     * Fails with NotLeader, NoLeader, DiskFull, Overloaded, or OutcomeUnknown (timeout).
     */
    CompletableFuture<ProduceResult> produce(List<ProduceRecord> records, Acks acks, long timeoutMs);

    /**
     * Reads committed records from {@code offset}. When nothing is available and
     * {@code waitMs > 0}, completes when records arrive or the wait ends (with an empty page).
     * At least one record is returned when any is available, even over {@code maxBytes}.
     */
    CompletableFuture<ConsumeResult> consume(long offset, int limit, long maxBytes, long waitMs);

    /** Records the group's last processed offset; a commit at or below the current one is a no-op. */
    CompletableFuture<CommitResult> commit(String group, long offset);

    /** The group's committed offset, or -1. */
    long committedOffset(String group);

    /** Raises the log start; deletes whole sealed segments below it. */
    CompletableFuture<DeleteBeforeResult> deleteBefore(long offset);

    Status status();

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

    record DeleteBeforeResult(long logStart, int deletedSegments, long freedBytes) {}

    /** Replica progress for {@code GET /cluster}: lag is in Raft entries. */
    record ReplicaStatus(String nodeId, long matchIndex, long lag) {}

    record Status(int partition, String leaderId, long term, long logStart, long highWatermark,
                  long commitIndex, long logBytes, List<String> replicas, List<ReplicaStatus> replicaProgress) {}
}
