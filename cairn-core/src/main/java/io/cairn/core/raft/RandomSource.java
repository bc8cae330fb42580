package io.cairn.core.raft;

import java.util.SplittableRandom;

/**
 * The only source of randomness the core uses (randomized election timeouts). Always passed in
 * and always seeded, so a simulator run replays exactly from its seed.
 */
public interface RandomSource {
    /** A uniformly distributed int in {@code [0, bound)}; {@code bound > 0}. */
    int nextInt(int bound);

    /** A source seeded with {@code seed}: the same seed yields the same sequence on every JVM. */
    static RandomSource seeded(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return random::nextInt;
    }
}
