package io.cairn.sim;

import java.util.List;

/**
 * The simulator's only source of randomness: SplitMix64 from one seed.
 *
 * <p>Written out here instead of using {@code java.util.Random} or {@code SplittableRandom} so
 * that a seed replays bit-for-bit on every JDK: the algorithm is fixed by this file, not by a
 * library whose stream might change. {@link #fork} derives independent streams (one for the
 * network, one per node, ...) so that adding a draw in one component does not shift every
 * other component's choices, which keeps seeds comparable across small code changes.
 */
public final class SimRandom {
    private long state;

    public SimRandom(long seed) {
        this.state = seed;
    }

    /** The next 64 random bits (SplitMix64, Steele/Lea/Flood 2014). */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A uniform value in {@code [0, bound)}; {@code bound} must be positive. */
    public long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        // Rejection sampling keeps the distribution exactly uniform.
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound);
        long r;
        do {
            r = nextLong() >>> 1;
        } while (r >= limit);
        return r % bound;
    }

    /** A uniform int in {@code [0, bound)}. */
    public int nextInt(int bound) {
        return (int) nextLong(bound);
    }

    /** A uniform value in {@code [lowInclusive, highInclusive]}. */
    public long between(long lowInclusive, long highInclusive) {
        if (highInclusive < lowInclusive) {
            throw new IllegalArgumentException("empty range [" + lowInclusive + ", " + highInclusive + "]");
        }
        return lowInclusive + nextLong(highInclusive - lowInclusive + 1);
    }

    /** True with probability {@code perMille / 1000}; integer odds keep the trace free of floating point. */
    public boolean chancePerMille(int perMille) {
        return perMille > 0 && nextInt(1000) < perMille;
    }

    public <T> T pick(List<T> items) {
        return items.get(nextInt(items.size()));
    }

    /** An independent stream derived from this one and a label, for one component. */
    public SimRandom fork(String label) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < label.length(); i++) {
            h = (h ^ label.charAt(i)) * 0x100000001B3L;
        }
        return new SimRandom(nextLong() ^ h);
    }
}
