package io.cairn.core.raft;

/** The outcome of {@link RaftNode#propose(EntryType, byte[])}. */
public sealed interface ProposeResult permits ProposeResult.Accepted, Rejected {
    /**
     * The entry was appended to the leader's log at {@code index} in {@code term}. It is not yet
     * durable anywhere; ask {@link RaftNode#durability(long, long)} and watch committed entries.
     * If a later leader overwrites it, the entry at {@code index} will carry a different term.
     */
    record Accepted(long index, long term) implements ProposeResult {}
}
