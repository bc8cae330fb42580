package io.cairn.sim;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;
import io.cairn.core.raft.ConfigChange;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.RaftConfig;
import io.cairn.core.raft.RaftMessage;
import io.cairn.core.raft.Role;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A simulated cluster: node slots, the network between them, the checker, the workload, and the
 * operator who changes membership. Everything is driven by {@link #scheduler} and drawn from one
 * seed; {@link SimRun} decides what happens when.
 */
final class SimCluster {
    static final GroupId GROUP = GroupId.of(1);

    final Scheduler scheduler = new Scheduler();
    final TraceHash trace = new TraceHash();
    final InvariantChecker checker = new InvariantChecker();
    final SimRandom random;
    final SimNetwork<RaftMessage> network;
    final Workload workload;
    final MembershipOperator operator;

    /** Length of one core tick in simulated time (the server uses ~100 ms; any unit works). */
    final long tickUs = 10_000;
    final int electionTimeoutTicks;
    final int heartbeatIntervalTicks;
    final int inflightMessagesMax;
    final long appendBytesMax;
    /** Compact when this many applied entries are beyond the snapshot; 0 disables compaction. */
    final int compactEveryEntries;
    final long fsyncDelayMinUs;
    final long fsyncDelayMaxUs;
    /** Chance per fsync of a stall (a slow disk) up to {@link #fsyncStallMaxUs}. */
    int fsyncStallPerMille;
    final long fsyncStallMaxUs;

    /** What a run exercised, by name, so tests can prove a feature is really being driven. */
    final java.util.TreeMap<String, Long> coverage = new java.util.TreeMap<>();
    private final List<SimNode> slots = new ArrayList<>();
    private final Map<NodeId, SimNode> byId = new HashMap<>();
    private final TreeSet<NodeId> quarantined = new TreeSet<>();
    /** The membership as of the highest committed config change seen (for choosing fault targets). */
    Membership committedMembership;
    private long committedMembershipIndex;
    private long globallyAppliedIndex;

    SimCluster(long seed, int voters, int spareSlots) {
        this.random = new SimRandom(seed);
        SimRandom knobs = random.fork("knobs");
        this.electionTimeoutTicks = (int) knobs.between(5, 12);
        this.heartbeatIntervalTicks = (int) knobs.between(1, Math.max(1, electionTimeoutTicks / 3));
        this.inflightMessagesMax = (int) knobs.between(1, 16);
        this.appendBytesMax = knobs.between(32, 512);
        this.compactEveryEntries = knobs.chancePerMille(250) ? 0 : (int) knobs.between(5, 60);
        this.fsyncDelayMinUs = knobs.between(100, 1_000);
        this.fsyncDelayMaxUs = fsyncDelayMinUs + knobs.between(0, 8_000);
        this.fsyncStallMaxUs = tickUs * knobs.between(1, 20);
        int total = voters + spareSlots;
        this.network = new SimNetwork<>(total, scheduler, random.fork("network"), this::deliver);
        this.workload = new Workload(this, random.fork("workload"));
        this.operator = new MembershipOperator(this);
        List<NodeId> initial = new ArrayList<>();
        for (int i = 0; i < voters; i++) {
            initial.add(NodeId.of("n" + (i + 1)));
        }
        Membership bootstrap = new Membership(Set.copyOf(initial), Set.of());
        this.committedMembership = bootstrap;
        Membership empty = new Membership(Set.of(), Set.of());
        for (int i = 0; i < total; i++) {
            NodeId id = NodeId.of("n" + (i + 1));
            SimNode node = new SimNode(id, i, this, random.fork("node-" + id), i < voters ? bootstrap : empty);
            slots.add(node);
            byId.put(id, node);
        }
    }

    RaftConfig raftConfig(NodeId id) {
        return RaftConfig.defaults(GROUP, id)
                .withElectionTimeoutTicks(electionTimeoutTicks, heartbeatIntervalTicks)
                .withInflight(inflightMessagesMax, inflightMessagesMax * appendBytesMax, appendBytesMax);
    }

    long fsyncDelayUs(SimRandom r) {
        if (r.chancePerMille(fsyncStallPerMille)) {
            return r.between(fsyncDelayMaxUs, fsyncStallMaxUs);
        }
        return r.between(fsyncDelayMinUs, fsyncDelayMaxUs);
    }

    void count(String what) {
        coverage.merge(what, 1L, Long::sum);
    }

    SimNode node(NodeId id) {
        return byId.get(id);
    }

    SimNode slot(int slot) {
        return slots.get(slot);
    }

    List<SimNode> allNodes() {
        return Collections.unmodifiableList(slots);
    }

    List<SimNode> upNodes() {
        List<SimNode> up = new ArrayList<>();
        for (SimNode n : slots) {
            if (n.isUp()) {
                up.add(n);
            }
        }
        return up;
    }

    Set<NodeId> quarantined() {
        return quarantined;
    }

    void quarantine(NodeId id) {
        quarantined.add(id);
    }

    /** The up node that is leader in the highest term, or null. */
    SimNode leader() {
        SimNode best = null;
        for (SimNode n : slots) {
            if (n.isUp() && n.raft.role() == Role.LEADER && (best == null || n.raft.term() > best.raft.term())) {
                best = n;
            }
        }
        return best;
    }

    void send(SimNode from, RaftMessage m) {
        SimViolation.check(m.from().equals(from.id) && m.groupId().equals(GROUP), "driver",
                "%s emitted a message with wrong sender or group: %s", from.id, m);
        SimNode to = byId.get(m.to());
        SimViolation.check(to != null, "driver", "%s sent to unknown node %s", from.id, m.to());
        network.send(from.slot, to.slot, m);
    }

    private void deliver(int from, int to, RaftMessage m) {
        SimNode target = slots.get(to);
        if (!target.isUp()) {
            return;
        }
        trace.add(scheduler.nowUs() * 31 + from * 7L + to);
        target.deliver(m);
    }

    /** Called for every entry any node applies; tracks the committed membership. */
    void onApplied(Entry e) {
        if (e.index() <= globallyAppliedIndex) {
            return;
        }
        globallyAppliedIndex = e.index();
        if (e.type() == EntryType.CONFIG_CHANGE && e.index() > committedMembershipIndex) {
            ConfigChange c = ConfigChange.decode(e.data());
            try {
                committedMembership = committedMembership.apply(c);
            } catch (IllegalArgumentException invalid) {
                // The core decides what an inapplicable committed change means; the operator only
                // tracks membership to pick fault targets, so it keeps the old view.
            }
            committedMembershipIndex = e.index();
            operator.onCommitted(e, c);
        }
    }
}
