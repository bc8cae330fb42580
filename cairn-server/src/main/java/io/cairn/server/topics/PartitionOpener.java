package io.cairn.server.topics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Opens many partitions at once when a node starts or a topic is created (generic in what a
 * partition's spec and handle are, so it is tested without a storage engine). Opening one is mostly
 * waiting for the disk (the tail check fsyncs the active segment, a one-voter group's first
 * commit fsyncs again), so one after the other a node with 64 small partitions took 1.4-3 s to
 * recover on a loaded 2-core box while its CPU sat idle between fsyncs.
 */
final class PartitionOpener {
    /**
     * Partitions opened at the same time: enough to overlap their fsyncs, few enough that the
     * burst of threads and file handles stays small next to the node's steady state.
     */
    static final int OPEN_PARALLELISM_MAX = 8;

    private PartitionOpener() {}

    /**
     * Opens every partition, up to {@link #OPEN_PARALLELISM_MAX} at a time, and returns them in
     * the order given. If any open fails, waits for the others, closes every one that opened,
     * and throws the first failure in the order given, so a failed start or create leaves
     * nothing open behind.
     */
    static <S, H> List<H> openAll(List<S> specs, Function<S, H> open, Consumer<H> close) {
        var handles = new ArrayList<H>(java.util.Collections.nCopies(specs.size(), null));
        if (specs.size() <= 1) {
            for (int i = 0; i < specs.size(); i++) {
                handles.set(i, open.apply(specs.get(i)));
            }
            return handles;
        }
        var threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(OPEN_PARALLELISM_MAX, specs.size()), r -> {
            Thread t = new Thread(r, "cairn-partition-open-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            var futures = new ArrayList<Future<H>>(specs.size());
            for (S spec : specs) {
                futures.add(pool.submit(() -> open.apply(spec)));
            }
            RuntimeException first = null;
            // Every open is awaited, even after a failure: a replica still opening cannot be closed yet.
            for (int i = 0; i < futures.size(); i++) {
                try {
                    handles.set(i, awaitUninterruptibly(futures.get(i)));
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof RuntimeException re ? re
                            : new UncheckedIOException(new IOException(e.getCause()));
                    }
                }
            }
            if (first != null) {
                for (H h : handles) {
                    if (h != null) {
                        close.accept(h);
                    }
                }
                throw first;
            }
            return handles;
        } finally {
            pool.shutdown();
        }
    }

    private static <T> T awaitUninterruptibly(Future<T> f) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
