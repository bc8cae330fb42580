package io.cairn.core.raft;

/** The outcome of {@link RaftNode#transferLeadership(io.cairn.core.NodeId)}. */
public enum TransferResult {
    /** Transfer started: the leader stops accepting proposals and catches the target up. */
    STARTED,
    /** The target is already this node (the leader); nothing to do. */
    ALREADY_LEADER,
    /** Only the leader can transfer leadership. */
    NOT_LEADER,
    /** The target is not a voter of this group. */
    NOT_A_VOTER
}
