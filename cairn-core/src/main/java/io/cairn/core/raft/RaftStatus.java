package io.cairn.core.raft;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;

import java.util.List;
import java.util.Optional;

/**
 * A snapshot of a node's state for status pages, traces and the simulator's invariant checks.
 *
 * @param persistedIndex highest index durable on this node
 * @param progress       per-member progress (leader only; empty otherwise)
 */
public record RaftStatus(GroupId groupId, NodeId self, Role role, long term, Optional<NodeId> votedFor,
                         Optional<NodeId> leader, long commitIndex, long appliedIndex, long persistedIndex,
                         long lastIndex, long lastTerm, long firstIndex, Membership membership,
                         boolean readyForWrites, List<PeerProgress> progress) {}
