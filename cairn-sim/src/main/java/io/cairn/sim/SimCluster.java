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
    final boolean preVote;
    final boolean checkQuorum;
    final long fsyncDelayMinUs;
    final long fsyncDelayMaxUs;
    /** Chance per fsync of a stall (a slow disk) up to {@link #fsyncStallMaxUs}. */
    int fsyncStallPerMille;
    final long fsyncStallMaxUs;

    /** What a run exercised, by name, so tests can prove a feature is really being driven. */
    final java.util.TreeMap<String, Long> coverage = new java.util.TreeMap<>();
    /**
     * Chance per persisting Ready that the node loses power before that Ready's fsync completes:
     * the worst moment (a vote or an append just written but not durable). Drawn per run; zero
     * outside the chaos phase.
     */
    int crashBeforeFsyncPerMille;
    /**
     * Protocol-aware recovery on: a node that cut its log at damaged data withholds its vote
     * until repaired. Off only to show that the simulator then finds a lost committed entry.
     */
    boolean withholdVotesAfterDamage = true;
    /** Chance per nemesis action of damaging a replica's log (cut and rejoin); default 4%. */
    int damagePerMille = 40;
    /** How the run crashes a node and schedules its restart (set by {@link SimRun}). */
    java.util.function.Consumer<SimNode> crasher = n -> { };
    private final List<SimNode> slots = new ArrayList<>();
    private final Map<NodeId, SimNode> byId = new HashMap<>();
    private final TreeSet<NodeId> quarantined = new TreeSet<>();
    /** The membership as of the highest committed config change seen (for choosing fault targets). */
    Membership committedMembership;
    /** Every committed membership with the index its change was committed at (index 0: bootstrap). */
    private final List<long[]> membershipIndexes = new ArrayList<>();
    private final List<Membership> membershipHistory = new ArrayList<>();
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
        // A fifth of the runs have a slow disk (fsync up to a quarter of the election timeout),
        // which widens the window in which written-but-not-durable state can be lost. Slower
        // than that, every election round spends most of its timeout waiting on fsyncs and
        // elections duel for long stretches, a configuration error rather than a Raft bug.
        this.fsyncDelayMaxUs = fsyncDelayMinUs + (knobs.chancePerMille(200)
                ? knobs.between(tickUs / 4, Math.max(tickUs / 4, electionTimeoutTicks * tickUs / 4))
                : knobs.between(0, 8_000));
        this.fsyncStallMaxUs = tickUs * knobs.between(1, 20);
        // The server runs with pre-vote and check-quorum; some runs turn them off because
        // without them elections are contested far more often, which is where vote bugs show.
        this.preVote = !knobs.chancePerMille(200);
        this.checkQuorum = !knobs.chancePerMille(200);
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
        membershipIndexes.add(new long[] {0});
        membershipHistory.add(bootstrap);
        for (int i = 0; i < total; i++) {
            NodeId id = NodeId.of("n" + (i + 1));
            // A joining node starts from the group's original membership, which is the membership
            // in effect at index 0 (RaftStorage.InitialState); replaying the log's config changes
            // from there reproduces the current membership. Starting it from an empty membership
            // instead makes it compute a different one (seen in seed 20: a learner that thought it
            // was the only voter won an election alone).
            SimNode node = new SimNode(id, i, this, random.fork("node-" + id), bootstrap);
            slots.add(node);
            byId.put(id, node);
        }
    }

    RaftConfig raftConfig(NodeId id) {
        return RaftConfig.defaults(GROUP, id)
                .withElectionTimeoutTicks(electionTimeoutTicks, heartbeatIntervalTicks)
                .withInflight(inflightMessagesMax, inflightMessagesMax * appendBytesMax, appendBytesMax)
                .withPreVote(preVote)
                .withCheckQuorum(checkQuorum);
    }

    long fsyncDelayUs(SimRandom r) {
        if (r.chancePerMille(fsyncStallPerMille)) {
            return r.between(fsyncDelayMaxUs, Math.max(fsyncDelayMaxUs, fsyncStallMaxUs));
        }
        return r.between(fsyncDelayMinUs, fsyncDelayMaxUs);
    }

    /** With {@code -Dcairn.sim.verbose=true} a replayed run prints what happens, for debugging a seed. */
    static final boolean VERBOSE = Boolean.getBoolean("cairn.sim.verbose");

    void log(String format, Object... args) {
        if (VERBOSE) {
            System.out.printf("%8.2f %s%n", scheduler.nowUs() / (double) tickUs, String.format(format, args));
        }
    }

    /** A notable event: into the trace hash, and printed when verbose. */
    void note(String event) {
        trace.add(event);
        log("%s", event);
    }

    void count(String what) {
        coverage.merge(what, 1L, Long::sum);
    }

    /**
     * {@link #coverage} plus the network's fault counts (only those that happened), so a test can
     * prove the run really dropped, duplicated and reordered messages.
     */
    java.util.TreeMap<String, Long> coverageWithNetwork() {
        java.util.TreeMap<String, Long> out = new java.util.TreeMap<>(coverage);
        if (network.dropped() > 0) out.put("msgDropped", network.dropped());
        if (network.duplicated() > 0) out.put("msgDuplicated", network.duplicated());
        if (network.reordered() > 0) out.put("msgReordered", network.reordered());
        return out;
    }

    /**
     * The voter sets that may have decided the commit of the entry at {@code index}: the one whose
     * change is at or before {@code index}, the one before it (the core switches membership when a
     * change is applied, so entries after a change's index can still commit under the previous
     * membership), and every later one. An entry is safely committed if it is durable on a
     * majority of one of them (one-at-a-time changes keep consecutive majorities overlapping).
     */
    List<Set<NodeId>> voterSetsSince(long index) {
        List<Set<NodeId>> out = new ArrayList<>();
        for (int i = 0; i < membershipHistory.size(); i++) {
            boolean nextStartsAfter = i + 2 >= membershipHistory.size() || membershipIndexes.get(i + 2)[0] > index;
            if (nextStartsAfter) {
                out.add(membershipHistory.get(i).voters());
            }
        }
        return out;
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
        if (VERBOSE) {
            log("send %s", m);
        }
        network.send(from.slot, to.slot, m);
    }

    private void deliver(int from, int to, RaftMessage m) {
        SimNode target = slots.get(to);
        if (!target.isUp()) {
            return;
        }
        trace.add(scheduler.nowUs() * 31 + from * 7L + to);
        if (VERBOSE) {
            log("deliver %s", m);
        }
        target.deliver(m);
    }

    /** Called for every entry any node applies; tracks the committed membership. */
    void onApplied(Entry e) {
        if (VERBOSE && e.type() == EntryType.CONFIG_CHANGE) {
            log("applied config change %s at %s", ConfigChange.decode(e.data()), e.index());
        }
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
            membershipIndexes.add(new long[] {e.index()});
            membershipHistory.add(committedMembership);
            operator.onCommitted(e, c);
        }
    }
}
