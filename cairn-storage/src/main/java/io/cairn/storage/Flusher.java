package io.cairn.storage;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One per disk: a thread that fsyncs logs with written-but-unsynced entries and wakes every
 * waiter those entries make durable.
 *
 * <p>Group commit without a timer: a log enqueues itself once when it has new writes (a flag
 * keeps it from being queued twice). While one fsync runs, further appends pile up and are
 * covered together by the next one, so under load one fsync serves many appends however slow
 * the disk is, and an idle log's single append pays exactly one fsync with no added delay.
 *
 * <p>Bound: the queue holds each log at most once, so its length is at most the number of logs
 * using this flusher.
 */
public final class Flusher implements AutoCloseable {
    private static final Object STOP = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final AtomicLong fsyncCount = new AtomicLong();
    private volatile boolean closed;

    public Flusher(String name) {
        thread = new Thread(this::run, "cairn-flusher-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Number of fsyncs this flusher has issued on segment files (for tests and metrics). */
    public long fsyncCount() {
        return fsyncCount.get();
    }

    void request(SegmentLog log) {
        if (closed) {
            return;
        }
        queue.add(log);
    }

    void countFsync() {
        fsyncCount.incrementAndGet();
    }

    private void run() {
        while (true) {
            Object next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                // Never interrupted by us (an interrupt during FileChannel.force would close the
                // channel); if someone else does, keep serving: waiters depend on this thread.
                continue;
            }
            if (next == STOP) {
                return;
            }
            ((SegmentLog) next).flushOnce();
        }
    }

    /**
     * Stops the thread after the requests already queued are served. Close the logs first;
     * waiters of logs still open are not woken after this.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(STOP);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
