package io.cairn.bench.load;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One load run.
 *
 * @param connections one plan per keep-alive connection; each has at most one request in flight
 * @param ratePerSecond total intended request rate for open-loop runs; 0 means closed-loop (send
 *     the next request as soon as the previous answer arrives)
 * @param warmup time before measuring starts; requests intended to start in it are not recorded
 * @param duration measured window; only requests intended to start in it are recorded
 * @param drainTimeout how long to wait after the window for in-flight requests; the ones still
 *     unanswered are reported as {@code unfinished}, never dropped silently
 * @param ioThreads client event-loop threads; 1 is enough for 64 connections on 2 cores and
 *     leaves the other core to the server
 */
public record LoadSpec(
        List<ConnectionPlan> connections,
        long ratePerSecond,
        Duration warmup,
        Duration duration,
        Duration drainTimeout,
        int ioThreads) {

    /** Bounds the connection count so a typo cannot open thousands of sockets. */
    public static final int CONNECTIONS_MAX = 4096;

    public LoadSpec {
        connections = List.copyOf(connections);
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (connections.isEmpty() || connections.size() > CONNECTIONS_MAX) {
            throw new IllegalArgumentException(
                    "connections must be 1.." + CONNECTIONS_MAX + ", was " + connections.size());
        }
        if (ratePerSecond < 0) {
            throw new IllegalArgumentException("ratePerSecond must be >= 0, was " + ratePerSecond);
        }
        if (warmup.isNegative() || duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("warmup must be >= 0 and duration > 0");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, was " + ioThreads);
        }
    }

    public boolean openLoop() {
        return ratePerSecond > 0;
    }
}
