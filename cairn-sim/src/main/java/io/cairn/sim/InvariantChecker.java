package io.cairn.sim;

import io.cairn.core.NodeId;
import io.cairn.core.raft.Entry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The safety invariants of Raft (§5.2-§5.4, Figure 3) and of Cairn's write concerns, checked
 * incrementally as the cluster runs, so that a violation is caught at the step that causes it.
 *
 * <p>Each check names the invariant it guards (see {@link SimViolation#invariant()}):
 * <ul>
 *   <li>{@code election-safety}: at most one leader per term, ever.</li>
 *   <li>{@code log-matching}: an (index, term) pair names one entry with one predecessor term,
 *       whichever node holds it. By induction on the index, two logs that share an (index, term)
 *       are then identical up to it, which is the Log Matching property, checked in O(1) per
 *       appended entry instead of by comparing whole logs.</li>
 *   <li>{@code state-machine-safety}: every node applies the same entry at each index; committed
 *       entries never change, and snapshots carry exactly the committed prefix's digest.</li>
 *   <li>{@code leader-completeness}: a node that becomes leader of term T holds every entry that
 *       was known committed in a term before T, and every MAJORITY/ALL-acknowledged entry
 *       acknowledged in a term before T.</li>
 *   <li>{@code commit-monotonic}: a node's commit index never decreases while it runs, and a
 *       durable commit index never points past the durable log.</li>
 *   <li>{@code write-concern}: when a write is acknowledged, it really is fsynced where its
 *       concern says (checked against the simulated disks' durable views, not the core's word).</li>
 *   <li>{@code durability}: at the end, every MAJORITY/ALL-acknowledged value is committed at
 *       the index it was acknowledged at, and no value is committed twice.</li>
 * </ul>
 *
 * <p>Maps here are only looked up, never iterated, so their hash order cannot leak into a run.
 */
public final class InvariantChecker {
    private record Key(long index, long term) {}

    private record Seen(Entry entry, long prevTerm, NodeId firstHolder) {}

    /** An acknowledged write, as the client saw it. */
    public record Ack(long valueId, WriteConcern concern, long index, long term, NodeId leader, long leaderTerm) {}

    private final Map<Long, NodeId> leaderByTerm = new HashMap<>();
    private final Map<Key, Seen> seen = new HashMap<>();
    /** committed.get(i - 1) is the entry committed at index i; commitTerm likewise. */
    private final ArrayList<Entry> committed = new ArrayList<>();
    private final ArrayList<Long> commitTerm = new ArrayList<>();
    /** digest.get(i) is the digest of the committed prefix 1..i; digest.get(0) is the empty prefix. */
    private final ArrayList<Long> digest = new ArrayList<>(List.of(StateDigest.EMPTY));
    private final ArrayList<Ack> acks = new ArrayList<>();
    private final Map<Long, Long> committedIndexOfValue = new HashMap<>();
    private long checks;

    public long checks() {
        return checks;
    }

    public List<Ack> acks() {
        return acks;
    }

    public long committedCount() {
        return committed.size();
    }

    /** The committed entry at {@code index}, or null if none is known committed there yet. */
    public Entry committedEntry(long index) {
        return index >= 1 && index <= committed.size() ? committed.get((int) index - 1) : null;
    }

    /** Digest of the committed prefix 1..index; the prefix must be known. */
    public long digestThrough(long index) {
        SimViolation.check(index >= 0 && index < digest.size(), "state-machine-safety",
                "digest through %s asked but only %s entries known committed", index, committed.size());
        return digest.get((int) index);
    }

    /** A node is leader of {@code term}. Called after every step for every leader. */
    public void leader(NodeId node, long term) {
        checks++;
        NodeId previous = leaderByTerm.putIfAbsent(term, node);
        SimViolation.check(previous == null || previous.equals(node), "election-safety",
                "two leaders in term %s: %s and %s", term, previous, node);
    }

    /** Whether {@code node} was already recorded as the leader of {@code term}. */
    public boolean wasLeader(NodeId node, long term) {
        return node.equals(leaderByTerm.get(term));
    }

    /**
     * {@code node} appended {@code entry}; {@code prevTerm} is the term its log holds at
     * {@code entry.index() - 1} right after the append (0 at index 0).
     */
    public void appended(NodeId node, Entry entry, long prevTerm) {
        checks++;
        Seen s = seen.putIfAbsent(new Key(entry.index(), entry.term()), new Seen(entry, prevTerm, node));
        if (s != null) {
            SimViolation.check(s.entry.equals(entry) && s.prevTerm == prevTerm, "log-matching",
                    "%s holds %s after term %s but %s held %s after term %s",
                    node, entry, prevTerm, s.firstHolder, s.entry, s.prevTerm);
        }
    }

    /**
     * {@code node} applies {@code entry}, which its core says is committed; {@code nodeTerm} is
     * the node's current term, an upper bound on the term of the leader that committed it.
     */
    public void applied(NodeId node, Entry entry, long nodeTerm) {
        checks++;
        long index = entry.index();
        if (index <= committed.size()) {
            Entry known = committed.get((int) index - 1);
            SimViolation.check(known.equals(entry), "state-machine-safety",
                    "%s applies %s at index %s but %s was committed there", node, entry, index, known);
            if (nodeTerm < commitTerm.get((int) index - 1)) {
                commitTerm.set((int) index - 1, nodeTerm);
            }
            return;
        }
        SimViolation.check(index == committed.size() + 1, "state-machine-safety",
                "%s applies %s but only %s entries are known committed: a gap", node, entry, committed.size());
        committed.add(entry);
        commitTerm.add(nodeTerm);
        digest.add(StateDigest.next(digest.get(digest.size() - 1), entry));
        long valueId = StateDigest.valueId(entry);
        if (valueId >= 0) {
            Long earlier = committedIndexOfValue.putIfAbsent(valueId, index);
            SimViolation.check(earlier == null, "durability",
                    "value %s committed twice, at %s and %s", valueId, earlier, index);
        }
    }

    /** {@code node} installed (or restarted from) a snapshot through {@code index} whose state digest is {@code stateDigest}. */
    public void snapshotApplied(NodeId node, long index, long stateDigest) {
        checks++;
        SimViolation.check(index <= committed.size(), "state-machine-safety",
                "%s installs a snapshot through %s but only %s entries are known committed", node, index, committed.size());
        SimViolation.check(digest.get((int) index) == stateDigest, "state-machine-safety",
                "%s installs a snapshot through %s whose state differs from the committed prefix", node, index);
    }

    /** How a checker reads a node's log: the term at an index, or -1 if the node does not hold it. */
    @FunctionalInterface
    public interface LogView {
        /** Term of the entry at {@code index}, or -1 if absent; indexes covered by a snapshot return {@link #COMPACTED}. */
        long termAt(long index);

        long COMPACTED = -2;
    }

    /** {@code node} just became leader of {@code term}; {@code log} is its log now. */
    public void becameLeader(NodeId node, long term, LogView log) {
        checks++;
        for (int i = 0; i < committed.size(); i++) {
            if (commitTerm.get(i) < term) {
                Entry e = committed.get(i);
                long t = log.termAt(e.index());
                SimViolation.check(t == e.term() || t == LogView.COMPACTED, "leader-completeness",
                        "%s leads term %s without %s, committed in term %s (it holds term %s there)",
                        node, term, e, commitTerm.get(i), t);
            }
        }
        for (Ack a : acks) {
            if (a.concern != WriteConcern.LEADER && a.leaderTerm < term) {
                long t = log.termAt(a.index);
                SimViolation.check(t == a.term || t == LogView.COMPACTED, "leader-completeness",
                        "%s leads term %s without value %s acknowledged %s at %s/%s in term %s",
                        node, term, a.valueId, a.concern, a.index, a.term, a.leaderTerm);
            }
        }
    }

    /** Commit index of a running node moved from {@code before} to {@code after}. */
    public void commitMoved(NodeId node, long before, long after) {
        checks++;
        SimViolation.check(after >= before, "commit-monotonic", "%s commit went back from %s to %s", node, before, after);
    }

    /** At restart: the durable commit must point at entries the durable log (or snapshot) holds. */
    public void restartedWith(NodeId node, long durableCommit, long durableLastIndex) {
        checks++;
        SimViolation.check(durableCommit <= durableLastIndex, "commit-monotonic",
                "%s restarts with durable commit %s beyond its durable log end %s", node, durableCommit, durableLastIndex);
    }

    /**
     * A write was acknowledged. {@code durableOn} are the nodes whose durable disk holds the
     * entry right now; {@code voters} the leader's voters.
     */
    public void acknowledged(Ack ack, java.util.Collection<NodeId> durableOn, java.util.Collection<NodeId> voters,
                             List<? extends java.util.Collection<NodeId>> voterSetsSinceEntry,
                             java.util.Collection<NodeId> quarantined) {
        checks++;
        // A quarantined node lost its disk to detected corruption after it may have fsynced the
        // entry; that loss is the modelled fault (a minority), so it does not count against the ack.
        long votersDurable = voters.stream().filter(v -> durableOn.contains(v) || quarantined.contains(v)).count();
        // MAJORITY means committed: durable on a majority of the voters in effect when it was
        // committed, which may be an earlier membership than the acknowledging node's current one
        // (a removed voter may hold one of the copies). Any membership since the entry counts.
        boolean majority = false;
        for (java.util.Collection<NodeId> vs : voterSetsSinceEntry) {
            long n = vs.stream().filter(v -> durableOn.contains(v) || quarantined.contains(v)).count();
            majority |= n >= vs.size() / 2 + 1;
        }
        majority |= votersDurable >= voters.size() / 2 + 1;
        switch (ack.concern) {
            // DESIGN.md §5: `leader` means fsynced on the leader. (The leader replicates in parallel
            // with its own fsync, so a majority of followers can hold an entry before the leader
            // does; the core then still waits for its own fsync before reporting any level.)
            case LEADER -> SimViolation.check(durableOn.contains(ack.leader),
                    "write-concern", "value %s acknowledged LEADER but not fsynced on leader %s (on %s)",
                    ack.valueId, ack.leader, durableOn);
            case MAJORITY -> SimViolation.check(majority, "write-concern",
                    "value %s acknowledged MAJORITY but fsynced on only %s of voters %s (on %s)",
                    ack.valueId, votersDurable, voters, durableOn);
            case ALL -> SimViolation.check(votersDurable == voters.size(), "write-concern",
                    "value %s acknowledged ALL but fsynced on only %s of voters %s (on %s)",
                    ack.valueId, votersDurable, voters, durableOn);
        }
        acks.add(ack);
    }

    /**
     * End of run, after the cluster healed and caught up: every MAJORITY/ALL acknowledgement is
     * committed where it was acknowledged. Returns how many LEADER acknowledgements were lost
     * (allowed by that concern, reported as a statistic).
     */
    public int finalValidation() {
        int leaderAcksLost = 0;
        for (Ack a : acks) {
            Long at = committedIndexOfValue.get(a.valueId);
            boolean kept = at != null && at == a.index;
            if (a.concern == WriteConcern.LEADER) {
                if (!kept) {
                    leaderAcksLost++;
                }
            } else {
                SimViolation.check(kept, "durability", "value %s acknowledged %s at %s/%s is %s",
                        a.valueId, a.concern, a.index, a.term, at == null ? "not committed" : "committed at " + at);
            }
        }
        return leaderAcksLost;
    }

    static String describe(Entry e) {
        return e.index() + "/" + e.term() + " " + e.type() + " " + Arrays.hashCode(e.data());
    }
}
