package io.cairn.core.raft;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;

import java.util.List;
import java.util.Objects;

/**
 * Messages between members of one group. The transport delivers them to
 * {@link RaftNode#step(RaftMessage)} on the node named by {@link #to()} in group
 * {@link #groupId()}; it may drop, duplicate, delay or reorder them and Raft stays safe.
 *
 * <p>Every message carries the sender's term; a receiver that sees a higher term adopts it
 * (Raft §5.1), except for pre-vote traffic, which never changes anyone's term.
 */
public sealed interface RaftMessage {
    GroupId groupId();

    NodeId from();

    NodeId to();

    long term();

    /**
     * A (pre-)vote request (Raft §5.2, dissertation §9.6). For a pre-vote, {@code term} is the
     * term the candidate <em>would</em> campaign in; nobody adopts it.
     *
     * @param transfer set when the election follows a leadership transfer (TimeoutNow), so voters
     *                 grant it even though they heard from a leader recently
     */
    record VoteRequest(GroupId groupId, NodeId from, NodeId to, long term, long lastLogIndex, long lastLogTerm,
                       boolean preVote, boolean transfer) implements RaftMessage {
        public VoteRequest {
            requireIds(groupId, from, to);
        }
    }

    /**
     * The answer to a {@link VoteRequest}; a granted real vote is sent only after the vote is
     * durable. {@code commit}/{@code commitTerm} are the responder's commit index and the term of
     * the entry there: a candidate holding that entry learns that its log is committed up to it
     * (Log Matching), which is how it finds out a membership change it holds has committed.
     */
    record VoteResponse(GroupId groupId, NodeId from, NodeId to, long term, boolean preVote, boolean granted,
                        long commit, long commitTerm) implements RaftMessage {
        public VoteResponse {
            requireIds(groupId, from, to);
        }
    }

    /**
     * Entries following {@code (prevLogIndex, prevLogTerm)} and the leader's commit index (Raft §5.3).
     * Empty {@code entries} is a probe.
     */
    record AppendRequest(GroupId groupId, NodeId from, NodeId to, long term, long prevLogIndex, long prevLogTerm,
                         List<Entry> entries, long commit) implements RaftMessage {
        public AppendRequest {
            requireIds(groupId, from, to);
            entries = List.copyOf(entries);
        }

        @Override
        public String toString() {
            return "AppendRequest[" + from + "->" + to + " t" + term + " prev=" + prevLogIndex + "/" + prevLogTerm
                    + " entries=" + entries + " commit=" + commit + "]";
        }
    }

    /**
     * The answer to an {@link AppendRequest} or {@link InstallSnapshot}; sent only after the entries
     * (or the snapshot) are durable on the follower.
     *
     * @param success  true if the follower's log now matches the leader's up to {@code index}
     * @param index    on success the last index known to match; on rejection the rejected
     *                 {@code prevLogIndex}
     * @param hintIndex on rejection, the leader may retry from here: the last index of the
     *                 follower's log at or below {@code index} whose term is {@code <= hintTerm}
     *                 (etcd's fast back-off: one round trip per term instead of per entry)
     * @param hintTerm  on rejection, the follower's term at {@code hintIndex}
     */
    record AppendResponse(GroupId groupId, NodeId from, NodeId to, long term, boolean success, long index,
                          long hintIndex, long hintTerm) implements RaftMessage {
        public AppendResponse {
            requireIds(groupId, from, to);
        }
    }

    /**
     * Leader liveness and commit propagation. {@code commit} is capped at the follower's known match
     * so a follower never learns a commit index beyond entries it may not hold. {@code readRound}
     * (0 for none) lets the leader confirm pending ReadIndex requests with a quorum.
     */
    record Heartbeat(GroupId groupId, NodeId from, NodeId to, long term, long commit, long readRound)
            implements RaftMessage {
        public Heartbeat {
            requireIds(groupId, from, to);
        }
    }

    /** The answer to a {@link Heartbeat}; echoes {@code readRound}. */
    record HeartbeatResponse(GroupId groupId, NodeId from, NodeId to, long term, long readRound)
            implements RaftMessage {
        public HeartbeatResponse {
            requireIds(groupId, from, to);
        }
    }

    /** The leader's snapshot, for a follower whose next entry the leader has already compacted. */
    record InstallSnapshot(GroupId groupId, NodeId from, NodeId to, long term, Snapshot snapshot)
            implements RaftMessage {
        public InstallSnapshot {
            requireIds(groupId, from, to);
            Objects.requireNonNull(snapshot, "snapshot");
        }
    }

    /**
     * Leadership transfer (dissertation §3.10): the leader tells a caught-up follower to start an
     * election immediately, skipping pre-vote and the leader-stickiness check. {@code commit} is
     * the leader's commit index (the follower holds the leader's whole log when this is sent), so
     * the target learns every committed membership change before it counts votes.
     */
    record TimeoutNow(GroupId groupId, NodeId from, NodeId to, long term, long commit) implements RaftMessage {
        public TimeoutNow {
            requireIds(groupId, from, to);
        }
    }

    private static void requireIds(GroupId groupId, NodeId from, NodeId to) {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }
}
