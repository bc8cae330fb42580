package io.cairn.core.raft;

import io.cairn.core.NodeId;

/**
 * The state that must be durable before the node replies to anyone in a term (Raft Figure 2,
 * "persistent state on all servers"): the current term, the vote cast in it, and the commit
 * index (persisted so a restart does not re-apply less than it knew; losing it is safe but slow).
 *
 * @param term     current term, never decreases
 * @param votedFor the candidate voted for in {@code term}, or {@code null} for none
 * @param commit   highest index known committed, never decreases
 */
public record HardState(long term, NodeId votedFor, long commit) {
    public static final HardState EMPTY = new HardState(0, null, 0);

    public HardState {
        if (term < 0 || commit < 0) {
            throw new IllegalArgumentException("hard state term and commit must be >= 0, got " + term + "/" + commit);
        }
    }
}
