package io.cairn.bench.load;

/**
 * Intended send times for one connection of an open-loop run, in the style of wrk2: the total
 * rate is split evenly over the connections, and connection {@code i} is phase-shifted by
 * {@code i} request intervals so the connections do not fire in bursts.
 *
 * <p>Latency is measured from the intended time, not from the moment the request actually went
 * out. If the server stalls, the requests that should have been sent meanwhile are late, and
 * their lateness counts: this is the coordinated-omission correction. A closed-loop client
 * instead waits politely and hides the stall from its percentiles.
 */
public final class OpenLoopSchedule {
    private final long startNanos;
    private final long phaseNanos;
    private final double periodNanos;

    /**
     * @param startNanos {@link System#nanoTime()} at which the run's schedule begins
     * @param totalRatePerSecond requests per second over all connections, > 0
     * @param connections number of connections sharing the rate, > 0
     * @param connectionIndex this connection, 0-based
     */
    public OpenLoopSchedule(long startNanos, long totalRatePerSecond, int connections, int connectionIndex) {
        if (totalRatePerSecond <= 0 || connections <= 0 || connectionIndex < 0 || connectionIndex >= connections) {
            throw new IllegalArgumentException("rate=%d connections=%d index=%d"
                    .formatted(totalRatePerSecond, connections, connectionIndex));
        }
        double intervalNanos = 1e9 / totalRatePerSecond;
        this.startNanos = startNanos;
        this.periodNanos = intervalNanos * connections;
        this.phaseNanos = (long) (intervalNanos * connectionIndex);
    }

    /** The time request number {@code sequence} (0-based) of this connection should be sent. */
    public long intendedNanos(long sequence) {
        return startNanos + phaseNanos + (long) (sequence * periodNanos);
    }

    /** How many requests of this connection are intended strictly before {@code nanos}. */
    public long countBefore(long nanos) {
        double span = nanos - startNanos - phaseNanos;
        if (span <= 0) {
            return 0;
        }
        long k = (long) Math.ceil(span / periodNanos);
        // Guard against floating-point edges: the answer is the least k with intended(k) >= nanos.
        while (k > 0 && intendedNanos(k - 1) >= nanos) {
            k--;
        }
        while (intendedNanos(k) < nanos) {
            k++;
        }
        return k;
    }

    /**
     * Latency of a request answered at {@code answeredNanos}, measured from its intended time.
     * Never shorter than the service time the connection saw, since a request cannot be sent
     * before it is intended.
     */
    public long correctedLatencyNanos(long sequence, long answeredNanos) {
        return answeredNanos - intendedNanos(sequence);
    }
}
