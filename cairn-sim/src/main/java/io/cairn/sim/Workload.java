package io.cairn.sim;

import io.cairn.core.NodeId;
import io.cairn.core.raft.Acks;
import io.cairn.core.raft.Durability;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.HardState;
import io.cairn.core.raft.ProposeResult;
import io.cairn.core.raft.Rejected;
import io.cairn.core.raft.Snapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Clients: proposals with unique values, each with a write concern, submitted to a random node and
 * redirected once to the leader it names (as the HTTP API's 307 does). The workload asks the
 * leader's core how durable each proposal is after every step there and records acknowledgements,
 * definite losses and unknown outcomes; the checker verifies every acknowledgement against the
 * simulated disks.
 */
final class Workload {
    /** Bound on proposals waiting for an outcome; clients stop submitting beyond it. */
    static final int PROPOSALS_PENDING_MAX = 64;

    private record Pending(long valueId, WriteConcern concern, SimNode node, int incarnation, long index, long term) {}

    /** A request submitted after the heal, for the liveness check; retried under new value ids. */
    static final class LiveRequest {
        final long submittedUs;
        final List<Long> valueIds = new ArrayList<>();
        long lastAttemptUs = -1;
        long committedUs = -1;

        LiveRequest(long submittedUs) {
            this.submittedUs = submittedUs;
        }
    }

    private final SimCluster cluster;
    private final SimRandom random;
    private final List<Pending> pending = new ArrayList<>();
    private final Map<Long, LiveRequest> liveByValue = new HashMap<>();
    final List<LiveRequest> live = new ArrayList<>();
    private long nextValueId = 1;
    long submitted;
    long acked;
    long lost;
    long unknown;
    long rejected;

    Workload(SimCluster cluster, SimRandom random) {
        this.cluster = cluster;
        this.random = random;
    }

    /** One client submits one new value. Returns the value id, or -1 if no node took it. */
    long submitOne(WriteConcern concern) {
        if (pending.size() >= PROPOSALS_PENDING_MAX) {
            return -1;
        }
        List<SimNode> up = cluster.upNodes();
        if (up.isEmpty()) {
            return -1;
        }
        SimNode target = random.pick(up);
        long valueId = nextValueId++;
        submitted++;
        for (int attempt = 0; attempt < 2; attempt++) {
            ProposeResult r = target.raft.propose(EntryType.NORMAL, StateDigest.encodeValue(valueId));
            if (r instanceof ProposeResult.Accepted a) {
                pending.add(new Pending(valueId, concern, target, target.incarnation, a.index(), a.term()));
                cluster.trace.add(valueId * 7 + a.index());
                target.drain();
                return valueId;
            }
            Rejected rej = (Rejected) r;
            SimNode hinted = rej.leaderHint().map(cluster::node).orElse(null);
            if (hinted == null || !hinted.isUp() || hinted == target) {
                break;
            }
            target = hinted;
        }
        rejected++;
        return -1;
    }

    /** Bound on linearizable reads waiting for their ReadState; clients stop reading beyond it. */
    static final int READS_PENDING_MAX = 64;

    private record PendingRead(SimNode node, int incarnation, long committedAtStart) {}

    private final Map<Long, PendingRead> reads = new HashMap<>();
    private long nextReadContext = 1;
    long readsConfirmed;

    /**
     * Starts a linearizable read (ReadIndex) on a random node, redirected once to the leader it
     * names. Remembers how many entries were known committed when the read began: a
     * linearizable read must observe all of them.
     */
    void readOne() {
        if (reads.size() >= READS_PENDING_MAX) {
            return;
        }
        List<SimNode> up = cluster.upNodes();
        if (up.isEmpty()) {
            return;
        }
        SimNode target = random.pick(up);
        long context = nextReadContext++;
        for (int attempt = 0; attempt < 2; attempt++) {
            io.cairn.core.raft.ReadIndexResult r = target.raft.readIndex(context);
            if (r instanceof io.cairn.core.raft.ReadIndexResult.Pending) {
                reads.put(context, new PendingRead(target, target.incarnation, cluster.checker.committedCount()));
                target.drain();
                return;
            }
            SimNode hinted = ((Rejected) r).leaderHint().map(cluster::node).orElse(null);
            if (hinted == null || !hinted.isUp() || hinted == target) {
                return;
            }
            target = hinted;
        }
    }

    /** A node confirmed a read: its index must cover every entry committed before the read began. */
    void onReadState(SimNode node, io.cairn.core.raft.ReadState rs) {
        PendingRead p = reads.remove(rs.context());
        SimViolation.check(p != null && p.node == node && p.incarnation == node.incarnation, "linearizable-read",
                "%s confirmed read %s that it was not asked for (or asked before a crash)", node.id, rs.context());
        SimViolation.check(rs.index() >= p.committedAtStart, "linearizable-read",
                "%s confirmed read %s at index %s, but %s entries were committed before the read began",
                node.id, rs.context(), rs.index(), p.committedAtStart);
        readsConfirmed++;
        cluster.count("readConfirmed");
    }

    /** Submits a liveness request (MAJORITY); returns whether some node accepted it. */
    boolean submitLive(LiveRequest request) {
        long valueId = submitOne(WriteConcern.MAJORITY);
        if (valueId < 0) {
            return false;
        }
        request.valueIds.add(valueId);
        request.lastAttemptUs = cluster.scheduler.nowUs();
        liveByValue.put(valueId, request);
        return true;
    }

    void onNodeStepped(SimNode node) {
        Iterator<Pending> it = pending.iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            if (p.node != node) {
                continue;
            }
            if (p.incarnation != node.incarnation || !node.isUp()) {
                unknown++;
                it.remove();
                continue;
            }
            Durability d = node.raft.durability(p.index, p.term);
            if (d.satisfies(toAcks(p.concern))) {
                it.remove();
                acknowledge(p);
            } else if (d == Durability.LOST) {
                it.remove();
                lost++;
                // Definite failure: the checker will see it never commits at that index.
                SimViolation.check(!committedAt(p), "write-concern",
                        "value %s reported LOST but it is committed at %s/%s", p.valueId, p.index, p.term);
            } else if (d == Durability.UNKNOWN) {
                it.remove();
                unknown++;
            }
        }
    }

    private boolean committedAt(Pending p) {
        Entry e = cluster.checker.committedEntry(p.index);
        return e != null && e.term() == p.term && StateDigest.valueId(e) == p.valueId;
    }

    /** Crashed nodes cannot answer: their clients see an unknown outcome. */
    void onCrash(SimNode node) {
        reads.values().removeIf(r -> r.node == node);
        Iterator<Pending> it = pending.iterator();
        while (it.hasNext()) {
            if (it.next().node == node) {
                it.remove();
                unknown++;
            }
        }
    }

    private void acknowledge(Pending p) {
        List<NodeId> durableOn = new ArrayList<>();
        for (SimNode n : cluster.allNodes()) {
            // A replica that lost the entry to damaged data held it before: that loss is the
            // modelled fault (a minority), as for a quarantined node.
            if (holdsDurably(n, p.index, p.term) || n.lostToDamage(p.index)) {
                durableOn.add(n.id);
            }
        }
        Set<NodeId> voters = p.node.raft.status().membership().voters();
        cluster.checker.acknowledged(new InvariantChecker.Ack(p.valueId, p.concern, p.index, p.term, p.node.id,
                p.node.raft.term()), durableOn, voters, cluster.voterSetsSince(p.index), cluster.quarantined());
        acked++;
        cluster.count("ack" + p.concern);
        cluster.trace.add(p.valueId * 13 + p.concern.ordinal());
    }

    private boolean holdsDurably(SimNode n, long index, long term) {
        SimDisk.Contents<HardState, Entry, Snapshot> d = n.disk.durable();
        if (index <= d.snapshotIndex()) {
            // Compacted into a snapshot: only committed entries are compacted.
            Entry c = cluster.checker.committedEntry(index);
            return c != null && c.term() == term;
        }
        Entry e = d.entry(index);
        return e != null && e.term() == term;
    }

    void onApplied(SimNode node, Entry e) {
        long v = StateDigest.valueId(e);
        if (v < 0) {
            return;
        }
        LiveRequest r = liveByValue.get(v);
        if (r != null && r.committedUs < 0) {
            r.committedUs = cluster.scheduler.nowUs();
        }
    }

    static Acks toAcks(WriteConcern c) {
        return switch (c) {
            case LEADER -> Acks.LEADER;
            case MAJORITY -> Acks.MAJORITY;
            case ALL -> Acks.ALL;
        };
    }

    WriteConcern randomConcern() {
        int r = random.nextInt(10);
        return r < 2 ? WriteConcern.LEADER : r < 8 ? WriteConcern.MAJORITY : WriteConcern.ALL;
    }

    int pendingCount() {
        return pending.size();
    }
}
