package io.cairn.server.replica;

import io.cairn.server.broker.PartitionHandle.Acks;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;
import io.cairn.server.broker.PartitionHandle.ProduceResult;
import io.cairn.server.broker.PartitionHandle.RecordResult;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One produce call on its way through a replica: queued by the caller's thread, coalesced into a
 * batch entry by the group thread, answered once its write concern is met.
 *
 * <p>Fields after the constructor's are owned by the group thread; {@link #claimed} decides
 * exactly once whether the answer is a result, a failure or a timeout.
 */
final class ProduceRequest {
    final List<ProduceRecord> records;
    final Acks acks;
    final long valueBytes;
    final long enqueuedNanos;
    final long deadlineNanos;
    final CompletableFuture<ProduceResult> future = new CompletableFuture<>();
    final AtomicBoolean claimed = new AtomicBoolean();
    /** Where a successful result is delivered (the caller's event loop), or null for the group thread itself. */
    final Executor answerOn;

    /** Per record: its offset and whether an earlier record owns its idempotency key. */
    RecordResult[] results;
    /** The entry that must meet the write concern before answering: (index, term); 0 = none. */
    long waitIndex;
    long waitTerm;
    long proposedNanos;

    ProduceRequest(List<ProduceRecord> records, Acks acks, long timeoutMs, long nowNanos) {
        this(records, acks, timeoutMs, nowNanos, null);
    }

    ProduceRequest(List<ProduceRecord> records, Acks acks, long timeoutMs, long nowNanos, Executor answerOn) {
        this.answerOn = answerOn;
        this.records = records;
        this.acks = acks;
        long bytes = 0;
        for (ProduceRecord r : records) {
            bytes += r.value().length + (r.key() == null ? 0 : r.key().length)
                    + (r.idempotencyKey() == null ? 0 : r.idempotencyKey().length() * 3L);
        }
        this.valueBytes = bytes;
        this.enqueuedNanos = nowNanos;
        this.deadlineNanos = nowNanos + Math.max(1, timeoutMs) * 1_000_000L;
    }

    boolean isDone() {
        return claimed.get();
    }

    /** Completes the request with {@code error} unless it was answered already. */
    boolean fail(Throwable error) {
        if (claimed.compareAndSet(false, true)) {
            future.completeExceptionally(error);
            return true;
        }
        return false;
    }

    boolean complete(ProduceResult result) {
        if (claimed.compareAndSet(false, true)) {
            future.complete(result);
            return true;
        }
        return false;
    }

    /**
     * Decides that the answer is a result (exactly once, like {@link #complete}) without
     * completing the future yet: the caller delivers it on {@link #answerOn}. After a successful
     * claim no timeout or failure can answer instead.
     */
    boolean claimForResult() {
        return claimed.compareAndSet(false, true);
    }
}
