package io.cairn.core.raft;

/** A write concern: where an entry must be durable before the write is acknowledged (DESIGN.md §5). */
public enum Acks {
    /** Fsynced on the leader. Can still be lost if the leader's disk is lost before replication. */
    LEADER,
    /** Committed: fsynced on a majority of voters. The default. */
    MAJORITY,
    /** Committed and fsynced on every voter. */
    ALL
}
