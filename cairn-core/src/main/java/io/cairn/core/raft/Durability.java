package io.cairn.core.raft;

/**
 * How far an entry proposed at (index, term) has got, as the node knows it now. The levels
 * {@link #PENDING} &lt; {@link #LEADER} &lt; {@link #MAJORITY} &lt; {@link #ALL} are ordered;
 * {@link #LOST} and {@link #UNKNOWN} are final answers of another kind.
 */
public enum Durability {
    /** The log holds a different entry at that index: the proposal will never commit. */
    LOST,
    /**
     * The node cannot tell any more (it is no longer leader and the entry is not known committed,
     * or the index was compacted): report the outcome as unknown, never as failed.
     */
    UNKNOWN,
    /** In the leader's log but not yet durable on it. */
    PENDING,
    /** Durable on the leader. */
    LEADER,
    /** Committed (durable on a majority of voters). */
    MAJORITY,
    /** Committed and durable on every voter. */
    ALL;

    /** True when this level meets {@code acks}. */
    public boolean satisfies(Acks acks) {
        return switch (acks) {
            case LEADER -> this == LEADER || this == MAJORITY || this == ALL;
            case MAJORITY -> this == MAJORITY || this == ALL;
            case ALL -> this == ALL;
        };
    }
}
