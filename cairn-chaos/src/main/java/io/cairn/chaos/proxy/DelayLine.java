package io.cairn.chaos.proxy;

import java.util.Random;

/**
 * Computes when a chunk read from one side may be written to the other. Bytes on a TCP stream are
 * ordered, so a chunk is never due before the chunk ahead of it even when jitter draws a smaller
 * delay for it: reordering inside one stream would corrupt the peer protocol, which is not a fault
 * a real network produces.
 */
final class DelayLine {
    private final Random random;
    private long lastDueNanos = Long.MIN_VALUE;

    DelayLine(long seed) {
        this.random = new Random(seed);
    }

    /** Due time of a chunk read at {@code nowNanos} under a delay of {@code delayMs} plus up to {@code jitterMs}. */
    synchronized long due(long nowNanos, long delayMs, long jitterMs) {
        long extraMs = jitterMs > 0 ? (long) (random.nextDouble() * jitterMs) : 0;
        long due = nowNanos + (delayMs + extraMs) * 1_000_000L;
        if (lastDueNanos != Long.MIN_VALUE && due < lastDueNanos) {
            due = lastDueNanos;
        }
        lastDueNanos = due;
        return due;
    }
}
