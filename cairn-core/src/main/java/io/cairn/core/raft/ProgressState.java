package io.cairn.core.raft;

/** How the leader replicates to one follower (etcd's progress states). */
public enum ProgressState {
    /** Match unknown: one append at a time until the follower's log position is found. */
    PROBE,
    /** Match known: appends are pipelined up to the in-flight window. */
    REPLICATE,
    /** The follower needs a snapshot; appends wait until it acknowledges the snapshot. */
    SNAPSHOT
}
