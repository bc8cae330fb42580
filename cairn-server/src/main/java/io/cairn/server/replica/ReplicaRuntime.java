package io.cairn.server.replica;

import io.cairn.server.metrics.NodeMetrics;
import io.cairn.storage.Flusher;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What all replicas on a node share: the group threads, the reader threads, the flusher (one per
 * disk: a node has one data directory), the long-poll timer, the disk guard, the peer transport
 * and metrics.
 */
final class ReplicaRuntime implements AutoCloseable {
    final ReplicaOptions options;
    final PeerTransport transport;
    final NodeMetrics metrics;
    final DiskGuard diskGuard;
    final Flusher flusher;
    final ExecutorService readers;
    final ScheduledExecutorService timer;
    /**
     * One thread that scrubs the logs of replicas with peers once after they open (see
     * {@code PartitionReplica.scheduleScrub}). Its queue holds at most one task per replica opened.
     */
    final ExecutorService scrubber;
    private final GroupThread[] groupThreads;
    private final AtomicInteger nextGroupThread = new AtomicInteger();

    ReplicaRuntime(ReplicaOptions options, PeerTransport transport, NodeMetrics metrics) {
        this.options = options;
        this.transport = transport;
        this.metrics = metrics;
        this.diskGuard = new DiskGuard(options.diskBytesMax(), options.diskFreeReserveBytes());
        this.flusher = new Flusher("data");
        if (metrics != null) {
            metrics.registerFsyncCounter(flusher::fsyncCount);
        }
        AtomicInteger readerIds = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(options.readerThreads(), r -> {
            Thread t = new Thread(r, "cairn-reader-" + readerIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cairn-replica-timer");
            t.setDaemon(true);
            return t;
        });
        this.scrubber = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cairn-scrub");
            t.setDaemon(true);
            return t;
        });
        this.groupThreads = new GroupThread[options.groupThreads()];
        for (int i = 0; i < groupThreads.length; i++) {
            groupThreads[i] = new GroupThread("cairn-raft-" + i, options.tickMs());
        }
    }

    /** Round-robin: spreads partitions evenly over the group threads. */
    GroupThread assignGroupThread() {
        return groupThreads[Math.floorMod(nextGroupThread.getAndIncrement(), groupThreads.length)];
    }

    @Override
    public void close() {
        for (GroupThread g : groupThreads) {
            g.close();
        }
        timer.shutdownNow();
        // Never shutdownNow: interrupting a thread inside a FileChannel read closes the channel
        // for every user of the log. A scrub of a closed log stops at its next segment.
        scrubber.shutdown();
        readers.shutdown();
        try {
            readers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flusher.close();
    }
}
