package io.cairn.core.raft;

import io.cairn.core.NodeId;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Quorum math over one membership (etcd's {@code tracker} package): the leader's per-member
 * {@link Progress}, and the votes of the current (pre-)election. Self is never tracked as a peer;
 * callers pass self's match (the leader's own durable index) where it counts.
 *
 * <p>Maps are ordered by node id so iteration, and with it every trace, is deterministic.
 * Bounded by the membership size.
 */
final class ProgressTracker {
    enum VoteResult { WON, LOST, PENDING }

    private final NodeId self;
    private final Map<NodeId, Progress> peers = new TreeMap<>();
    private final Map<NodeId, Boolean> votes = new TreeMap<>();

    ProgressTracker(NodeId self) {
        this.self = self;
    }

    void clear() {
        peers.clear();
        votes.clear();
    }

    Progress get(NodeId node) {
        return peers.get(node);
    }

    /** Peers (members other than self) in id order. */
    Map<NodeId, Progress> peers() {
        return Collections.unmodifiableMap(peers);
    }

    /**
     * Makes the tracked peers match the members of {@code applied} and of {@code inLog} (the
     * membership at the end of the log, which may add a pending voter the leader must replicate
     * to, since it counts toward commits): drops the others, adds new ones with
     * {@code nextIndex} (probing from there), sets voter flags from {@code applied}. Returns the
     * nodes added.
     */
    List<NodeId> sync(Membership applied, Membership inLog, long nextIndex) {
        peers.keySet().removeIf(n -> !applied.contains(n) && !inLog.contains(n));
        List<NodeId> added = new ArrayList<>();
        TreeSet<NodeId> members = new TreeSet<>(applied.all());
        members.addAll(inLog.all());
        for (NodeId n : members) {
            if (n.equals(self)) {
                continue;
            }
            Progress pr = peers.get(n);
            if (pr == null) {
                pr = new Progress(nextIndex, applied.isVoter(n));
                // A new peer gets an election timeout before check-quorum counts it as silent.
                pr.recentActive = true;
                peers.put(n, pr);
                added.add(n);
            }
            pr.voter = applied.isVoter(n);
        }
        return added;
    }

    /** The highest index durable on a quorum of voters, or 0 if there are no voters. */
    long quorumMatch(Membership membership, long selfMatch) {
        List<Long> matches = new ArrayList<>();
        for (NodeId v : membership.voters()) {
            matches.add(v.equals(self) ? selfMatch : matchOf(v));
        }
        if (matches.isEmpty()) {
            return 0;
        }
        matches.sort((a, b) -> Long.compare(b, a));
        return matches.get(membership.quorum() - 1);
    }

    /** How many voters hold {@code index} durably. */
    int votersMatching(Membership membership, long selfMatch, long index) {
        int n = 0;
        for (NodeId v : membership.voters()) {
            long match = v.equals(self) ? selfMatch : matchOf(v);
            if (match >= index) {
                n++;
            }
        }
        return n;
    }

    /**
     * Check-quorum (dissertation §6.2): true if a quorum of voters (self included when a voter)
     * was heard from since the last call. Resets the activity flags for the next period.
     */
    boolean quorumActiveAndReset(Membership membership) {
        int active = membership.isVoter(self) ? 1 : 0;
        for (Map.Entry<NodeId, Progress> e : peers.entrySet()) {
            if (membership.isVoter(e.getKey()) && e.getValue().recentActive) {
                active++;
            }
            e.getValue().recentActive = false;
        }
        return active >= membership.quorum();
    }

    /** The voter with the highest match, for handing over leadership; null if none. */
    NodeId mostCaughtUpVoter() {
        NodeId best = null;
        long bestMatch = -1;
        for (Map.Entry<NodeId, Progress> e : peers.entrySet()) {
            if (e.getValue().voter && e.getValue().match > bestMatch) {
                best = e.getKey();
                bestMatch = e.getValue().match;
            }
        }
        return best;
    }

    /** Records a vote; a node's first answer in an election is the one that counts. */
    void recordVote(NodeId from, boolean granted) {
        votes.putIfAbsent(from, granted);
    }

    /** True if some node other than self granted its vote in this election. */
    boolean grantedByAnother() {
        for (Map.Entry<NodeId, Boolean> v : votes.entrySet()) {
            if (!v.getKey().equals(self) && v.getValue()) {
                return true;
            }
        }
        return false;
    }

    /** Tallies the votes of {@code membership}'s voters; non-voters' answers are ignored. */
    VoteResult tally(Membership membership) {
        int granted = 0;
        int rejected = 0;
        for (Map.Entry<NodeId, Boolean> v : votes.entrySet()) {
            if (membership.isVoter(v.getKey())) {
                if (v.getValue()) {
                    granted++;
                } else {
                    rejected++;
                }
            }
        }
        int quorum = membership.quorum();
        if (granted >= quorum) {
            return VoteResult.WON;
        }
        if (rejected > membership.voters().size() - quorum) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }

    private long matchOf(NodeId voter) {
        Progress pr = peers.get(voter);
        return pr == null ? 0 : pr.match;
    }
}
