package io.cairn.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link LoadSpec}: connects every connection, waits out the warm-up, measures for the
 * window, drains in-flight requests, and merges the per-connection results by kind.
 *
 * <p>Per-connection state is single-threaded (each connection lives on one event loop), so the
 * hot path has no locks or shared counters; results are collected by submitting a snapshot task
 * to each connection's own event loop after the run.
 */
public final class HttpLoadGenerator {
    /** How long all connections get to come up before the run is abandoned. */
    static final long CONNECT_TIMEOUT_MS = 10_000;

    private HttpLoadGenerator() {}

    public static LoadResult run(LoadSpec spec) throws InterruptedException {
        return run(spec, WindowListener.NONE);
    }

    public static LoadResult run(LoadSpec spec, WindowListener listener) throws InterruptedException {
        EventLoopGroup group = Transport.group(spec.ioThreads());
        List<LoadConnection> connections = new ArrayList<>();
        try {
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(Transport.clientChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT_MS);
            int n = spec.connections().size();
            CountDownLatch stopped = new CountDownLatch(n);
            List<ChannelFuture> connects = new ArrayList<>();
            // Connect first, then fix the window, so connection setup is never inside warm-up or the window.
            long connectDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MS);
            for (int i = 0; i < n; i++) {
                LoadConnection c = new LoadConnection(i, spec.connections().get(i), bootstrap, group.next(), stopped);
                connections.add(c);
                connects.add(c.connect());
            }
            for (ChannelFuture f : connects) {
                long left = connectDeadline - System.nanoTime();
                if (!f.await(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)))) {
                    throw new IllegalStateException("connections not up within " + CONNECT_TIMEOUT_MS + " ms");
                }
                if (!f.isSuccess()) {
                    throw new IllegalStateException("cannot connect to " + f.channel().remoteAddress()
                            + ": " + f.cause(), f.cause());
                }
            }
            long durationNanos = spec.duration().toNanos();
            // Starting a few ms ahead lets every connection be armed before its first open-loop slot.
            long begin = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
            long windowStart = begin + spec.warmup().toNanos();
            long windowEnd = windowStart + durationNanos;
            LoadWindow window = new LoadWindow(windowStart, windowEnd);
            long spanNanos = windowEnd + spec.drainTimeout().toNanos() - begin;
            for (LoadConnection c : connections) {
                OpenLoopSchedule schedule = spec.openLoop()
                        ? new OpenLoopSchedule(begin, spec.ratePerSecond(), n, c.index())
                        : null;
                c.start(window, schedule, new LoadTimeline(begin, spanNanos));
            }
            sleepUntil(windowStart);
            notify(listener::started);
            sleepUntil(windowEnd);
            notify(listener::ended);
            long drainDeadline = windowEnd + spec.drainTimeout().toNanos();
            long waitNanos = drainDeadline - System.nanoTime();
            stopped.await(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
            Map<String, KindResult> byKind = new LinkedHashMap<>();
            for (LoadConnection c : connections) {
                KindResult r = snapshot(c);
                byKind.computeIfAbsent(r.kind(), KindResult::new).add(r);
            }
            return new LoadResult(new ArrayList<>(byKind.values()), windowStart, durationNanos / 1e9,
                    spec.ratePerSecond(), n);
        } finally {
            for (LoadConnection c : connections) {
                c.loop().execute(c::close);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private interface Hook {
        void run() throws Exception;
    }

    private static void notify(Hook hook) throws InterruptedException {
        try {
            hook.run();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("window listener failed: " + e, e);
        }
    }

    private static KindResult snapshot(LoadConnection c) throws InterruptedException {
        try {
            return c.loop().submit(c::snapshot).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot collect results of connection " + c.index(), e);
        }
    }
}
