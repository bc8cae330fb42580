package io.cairn.server.replica;

import io.cairn.core.partition.PartitionCodec;
import io.cairn.core.partition.PartitionCommand;
import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.raft.EntryType;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionHandle.ConsumeResult;
import io.cairn.server.broker.PartitionHandle.StoredRecord;
import io.cairn.storage.CorruptLogException;
import io.cairn.storage.LogEntry;
import io.cairn.storage.OutOfRangeException;
import io.cairn.storage.SegmentLog;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consume for one replica: positional reads of committed records from the segment log on the
 * reader threads (never on an event loop or the group thread), and long-poll waiters woken when
 * the high watermark advances.
 *
 * <p>Only records below the high watermark are returned: the group thread publishes it after
 * applying entries, so a reader never sees an entry that could still be truncated.
 */
final class PartitionReader {
    /** Bytes read from the log per call beyond what the page still needs; frames come whole. */
    private static final int READ_SLACK_BYTES = 64 << 10;
    private static final int READ_BYTES_MAX = 8 << 20;
    /**
     * First storage read of a page. A page is bounded by {@code limit} as well as {@code max_bytes},
     * so reading {@code max_bytes} (8 MiB by default) up front made a 100-record page read, check
     * and decode ~70,000 frames; reads start here and double while the page is not full.
     */
    private static final int READ_CHUNK_BYTES_MIN = 64 << 10;

    private final int partition;
    private final SegmentLog log;
    private final ExecutorService readers;
    private final ScheduledExecutorService timer;
    private final int waitersMax;
    /** Told when a read finds damaged data; returns the error to answer with (it may start a repair). */
    private final java.util.function.Function<CorruptLogException, BrokerException> onDamage;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiterCount = new AtomicInteger();
    private volatile long highWatermark;
    private volatile long logStart;
    private volatile boolean closed;

    PartitionReader(int partition, SegmentLog log, ExecutorService readers, ScheduledExecutorService timer,
                    int waitersMax, java.util.function.Function<CorruptLogException, BrokerException> onDamage) {
        this.onDamage = onDamage;
        this.partition = partition;
        this.log = log;
        this.readers = readers;
        this.timer = timer;
        this.waitersMax = waitersMax;
    }

    long highWatermark() {
        return highWatermark;
    }

    long logStart() {
        return logStart;
    }

    /** Group thread: publishes what is committed and applied, and wakes waiters it satisfies. */
    void advance(long newHighWatermark, long newLogStart) {
        logStart = newLogStart;
        highWatermark = newHighWatermark;
        if (waiterCount.get() > 0) {
            for (Waiter w : waiters) {
                if (w.offset < newHighWatermark || w.offset < newLogStart) {
                    wake(w);
                }
            }
        }
    }

    CompletableFuture<ConsumeResult> consume(long offset, int limit, long maxBytes, long waitMs) {
        if (offset < 0 || limit < 1 || maxBytes < 1 || waitMs < 0) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_argument",
                    "offset, wait_ms must be >= 0 and limit, max_bytes >= 1"));
        }
        if (closed) {
            return CompletableFuture.failedFuture(closedError());
        }
        long hw = highWatermark;
        long start = logStart;
        if (offset < start) {
            return CompletableFuture.completedFuture(new ConsumeResult(List.of(), start, hw, start, true));
        }
        if (offset < hw) {
            return readAsync(offset, limit, maxBytes);
        }
        if (waitMs == 0) {
            return CompletableFuture.completedFuture(new ConsumeResult(List.of(), offset, hw, start, false));
        }
        if (waiterCount.incrementAndGet() > waitersMax) {
            waiterCount.decrementAndGet();
            return CompletableFuture.failedFuture(new BrokerException.Overloaded(
                    "partition " + partition + " already has " + waitersMax + " long-poll consumers waiting"));
        }
        Waiter w = new Waiter(offset, limit, maxBytes);
        waiters.add(w);
        try {
            w.timeout = timer.schedule(() -> expire(w), waitMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            expire(w);
        }
        // Re-check after registering: the high watermark may have moved between the first check
        // and the add, and that advance would not have seen this waiter.
        if (offset < highWatermark || offset < logStart || closed) {
            wake(w);
        }
        return w.future;
    }

    private void wake(Waiter w) {
        if (!w.claimed.compareAndSet(false, true)) {
            return;
        }
        remove(w);
        if (closed) {
            w.future.completeExceptionally(closedError());
            return;
        }
        readAsync(w.offset, w.limit, w.maxBytes).whenComplete((r, e) -> {
            if (e != null) {
                w.future.completeExceptionally(e);
            } else {
                w.future.complete(r);
            }
        });
    }

    private void expire(Waiter w) {
        if (!w.claimed.compareAndSet(false, true)) {
            return;
        }
        remove(w);
        long start = logStart;
        if (w.offset < start) {
            w.future.complete(new ConsumeResult(List.of(), start, highWatermark, start, true));
        } else {
            w.future.complete(new ConsumeResult(List.of(), w.offset, highWatermark, start, false));
        }
    }

    private void remove(Waiter w) {
        if (waiters.remove(w)) {
            waiterCount.decrementAndGet();
        }
        ScheduledFuture<?> t = w.timeout;
        if (t != null) {
            t.cancel(false);
        }
    }

    private CompletableFuture<ConsumeResult> readAsync(long offset, int limit, long maxBytes) {
        try {
            return CompletableFuture.supplyAsync(() -> read(offset, limit, maxBytes), readers);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(closedError());
        }
    }

    /** Reads committed records from {@code offset}; runs on a reader thread. */
    ConsumeResult read(long offset, int limit, long maxBytes) {
        long hw = highWatermark;
        long start = logStart;
        if (offset < start) {
            return new ConsumeResult(List.of(), start, hw, start, true);
        }
        List<StoredRecord> out = new ArrayList<>(Math.min(limit, 1024));
        long bytes = 0;
        long next = offset;
        int chunkBytes = READ_CHUNK_BYTES_MIN;
        try {
            outer:
            while (out.size() < limit && next < hw) {
                int readBytes = (int) Math.min(chunkBytes,
                        Math.min(READ_BYTES_MAX, Math.max(0, maxBytes - bytes) + READ_SLACK_BYTES));
                chunkBytes = Math.min(READ_BYTES_MAX, chunkBytes * 2);
                List<LogEntry> frames = log.readFromOffset(next, readBytes);
                long before = next;
                for (LogEntry f : frames) {
                    if (f.recordCount() == 0 || f.endOffset() <= next) {
                        continue;
                    }
                    if (f.type() != (byte) EntryType.NORMAL.code()) {
                        continue;
                    }
                    PartitionCommand.RecordBatch batch = (PartitionCommand.RecordBatch) PartitionCodec.decode(f.payloadArray());
                    List<BatchRecord> recs = batch.records();
                    for (int i = 0; i < recs.size(); i++) {
                        long off = batch.baseOffset() + i;
                        if (off < next) {
                            continue;
                        }
                        if (off >= hw) {
                            break outer;
                        }
                        BatchRecord r = recs.get(i);
                        long size = r.value().length + (r.key() == null ? 0 : r.key().length);
                        if (!out.isEmpty() && bytes + size > maxBytes) {
                            break outer;
                        }
                        out.add(new StoredRecord(off, r.timestampMs(), r.key(), r.value()));
                        bytes += size;
                        next = off + 1;
                        if (out.size() >= limit) {
                            break outer;
                        }
                    }
                }
                if (next == before) {
                    break; // Nothing readable past here (below the high watermark this means a bug).
                }
            }
        } catch (OutOfRangeException e) {
            // Retention deleted the segment between the log-start check and the read.
            long newStart = Math.max(logStart, log.logStartOffset());
            return new ConsumeResult(List.of(), newStart, hw, newStart, true);
        } catch (CorruptLogException e) {
            // Never skipped and never served: the CRC check caught it before any record left.
            throw onDamage.apply(e);
        } catch (IOException e) {
            throw new BrokerException.StorageFailed("reading partition " + partition + " at offset " + next
                    + " failed: " + e.getMessage());
        }
        return new ConsumeResult(out, next, hw, start, false);
    }

    /** Completes every waiter (as closed) and refuses new reads. */
    void close() {
        closed = true;
        for (Waiter w : waiters) {
            if (w.claimed.compareAndSet(false, true)) {
                remove(w);
                w.future.completeExceptionally(closedError());
            }
        }
    }

    private BrokerException closedError() {
        return new BrokerException.Unavailable("closed", "partition " + partition + " is closed", 1000);
    }

    private static final class Waiter {
        final long offset;
        final int limit;
        final long maxBytes;
        final CompletableFuture<ConsumeResult> future = new CompletableFuture<>();
        final AtomicBoolean claimed = new AtomicBoolean();
        volatile ScheduledFuture<?> timeout;

        Waiter(long offset, int limit, long maxBytes) {
            this.offset = offset;
            this.limit = limit;
            this.maxBytes = maxBytes;
        }
    }
}
