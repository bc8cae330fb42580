package io.cairn.core.raft;

/** The outcome of {@link RaftNode#readIndex(long)}. */
public sealed interface ReadIndexResult permits ReadIndexResult.Pending, Rejected {
    /** The read is queued; a {@link ReadState} with the same context appears in a later Ready. */
    record Pending(long context) implements ReadIndexResult {}
}
