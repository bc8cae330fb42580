package io.cairn.core.partition;

/**
 * Bounds of one partition's state machine. Every replica of a partition must use the same
 * values, because eviction from the idempotency window is part of the replicated state.
 *
 * @param dedupeWindowMs      an idempotency key is remembered for this long after the record
 *                            that carried it (measured in the leader timestamps stored in the log)
 * @param dedupeWindowKeysMax at most this many keys are remembered; the oldest goes first
 * @param groupsMax           at most this many consumer groups may commit offsets in one partition
 */
public record PartitionLimits(long dedupeWindowMs, int dedupeWindowKeysMax, int groupsMax) {
    public static final long DEDUPE_WINDOW_MS_DEFAULT = 10 * 60 * 1000L;
    public static final int DEDUPE_WINDOW_KEYS_MAX_DEFAULT = 1_000_000;
    public static final int GROUPS_MAX_DEFAULT = 100_000;

    public static final PartitionLimits DEFAULTS = new PartitionLimits(
            DEDUPE_WINDOW_MS_DEFAULT, DEDUPE_WINDOW_KEYS_MAX_DEFAULT, GROUPS_MAX_DEFAULT);

    public PartitionLimits {
        if (dedupeWindowMs < 1) {
            throw new IllegalArgumentException("dedupeWindowMs must be >= 1, was " + dedupeWindowMs);
        }
        if (dedupeWindowKeysMax < 1) {
            throw new IllegalArgumentException("dedupeWindowKeysMax must be >= 1, was " + dedupeWindowKeysMax);
        }
        if (groupsMax < 1) {
            throw new IllegalArgumentException("groupsMax must be >= 1, was " + groupsMax);
        }
    }
}
