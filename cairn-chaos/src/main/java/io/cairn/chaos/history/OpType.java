package io.cairn.chaos.history;

/** Kinds of recorded operations. */
public enum OpType {
    PRODUCE,
    PRODUCE_BATCH,
    /** A read of a partition from an explicit offset (checks reads never vanish). */
    CONSUME,
    /** A read through a consumer group's committed position. */
    GROUP_CONSUME,
    COMMIT,
    /** A produce sent after the final heal to measure how soon the cluster takes writes again. */
    PROBE
}
