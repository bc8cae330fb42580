package io.cairn.core.raft;

/** A node's role in its current term. A learner is always a {@link #FOLLOWER}. */
public enum Role { FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER }
