package io.cairn.sim;

import io.cairn.core.NodeId;
import io.cairn.core.raft.Role;
import io.cairn.core.raft.TransferResult;

import java.util.ArrayList;
import java.util.List;

/**
 * One simulation run: a cluster of {@code voters} nodes, a chaos phase with faults, a heal, and a
 * liveness phase; everything derived from {@code seed}.
 *
 * <p>Phases:
 * <ol>
 *   <li><b>Chaos</b> ({@code chaosTicks}): clients submit values; the nemesis crashes and restarts
 *       nodes (losing unsynced writes), corrupts a minority disk, partitions (also one way),
 *       drops, duplicates and delays messages, stalls fsyncs, transfers leadership and replaces
 *       voters (including the leader).</li>
 *   <li><b>Heal</b>: every node that is not retired restarts, the network is made whole and
 *       loss-free (latency stays), fsync stalls stop.</li>
 *   <li><b>Liveness</b>: a leader ready for writes must exist within
 *       {@link #LIVENESS_LEADER_TIMEOUTS} election timeouts; {@link #LIVENESS_REQUESTS} requests
 *       are then submitted and each must commit within {@link #LIVENESS_COMMIT_TIMEOUTS} election
 *       timeouts of its submission; then every member must apply up to the leader's commit within
 *       {@link #LIVENESS_CONVERGE_TIMEOUTS} election timeouts plus one tick per entry it lacks.</li>
 *   <li><b>Validation</b>: {@link InvariantChecker#finalValidation()}.</li>
 * </ol>
 * Safety invariants are checked after every step throughout (see {@link InvariantChecker}).
 */
public final class SimRun {
    /** Bound on time to a write-ready leader after the heal, in election timeouts. */
    public static final int LIVENESS_LEADER_TIMEOUTS = 10;
    /** Bound on time from submitting a post-heal request to its commit, in election timeouts. */
    public static final int LIVENESS_COMMIT_TIMEOUTS = 8;
    /** Bound on time for all members to apply up to the leader's commit, in election timeouts. */
    public static final int LIVENESS_CONVERGE_TIMEOUTS = 10;
    public static final int LIVENESS_REQUESTS = 5;
    /** Spare node slots for replacements; bounds how many replacements one run can do. */
    static final int SPARE_SLOTS = 3;

    /** What a run reports. */
    public record Result(long seed, int voters, boolean ok, String violation, String invariant, long traceHash,
                         long eventsRun, long simulatedTicks, String stats, java.util.Map<String, Long> coverage,
                         long electionTicksAfterHeal, long commitTicksMax) {
        public String replay() {
            return "-Dcairn.sim.seed=" + seed + " (voters=" + voters + ")";
        }
    }

    private final long seed;
    private final int voters;
    private final SimCluster c;
    private final SimRandom nemesisRandom;
    private final SimRandom clientRandom;
    private final long chaosTicks;
    /** Faults come every 1..this many ticks; drawn per run so some runs are far more hostile. */
    private final long nemesisGapTicksMax;
    private boolean chaos = true;
    private int spareUsed;
    private long faults;
    private long maxElectionTicks;
    private long maxCommitTicks;

    public SimRun(long seed, int voters) {
        this.seed = seed;
        this.voters = voters;
        this.c = new SimCluster(seed, voters, SPARE_SLOTS);
        this.nemesisRandom = c.random.fork("nemesis");
        this.clientRandom = c.random.fork("clients");
        this.chaosTicks = nemesisRandom.between(200, 600);
        this.nemesisGapTicksMax = nemesisRandom.between(5, 60);
    }

    /** The cluster size for a seed when none is given: 1, 3, 5 or 7, mostly 3 and 5. */
    public static int votersForSeed(long seed) {
        int r = (int) Math.floorMod(new SimRandom(seed ^ 0x5EED).nextLong(), 10L);
        return r == 0 ? 1 : r <= 4 ? 3 : r <= 7 ? 5 : 7;
    }

    public Result run() {
        try {
            execute();
            return new Result(seed, voters, true, null, null, c.trace.value(), c.scheduler.eventsRun(),
                    c.scheduler.nowUs() / c.tickUs, stats(), c.coverageWithNetwork(), maxElectionTicks, maxCommitTicks);
        } catch (SimViolation v) {
            return new Result(seed, voters, false, v.getMessage() + " at tick " + c.scheduler.nowUs() / c.tickUs,
                    v.invariant(), c.trace.value(), c.scheduler.eventsRun(), c.scheduler.nowUs() / c.tickUs, stats(), c.coverageWithNetwork(), maxElectionTicks, maxCommitTicks);
        } catch (RuntimeException e) {
            // A crash inside the core (an Invariants failure or a bug) is a finding too.
            StackTraceElement where = e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
            return new Result(seed, voters, false, e + " at " + where + " at tick " + c.scheduler.nowUs() / c.tickUs,
                    "exception:" + e.getClass().getSimpleName(), c.trace.value(), c.scheduler.eventsRun(),
                    c.scheduler.nowUs() / c.tickUs, stats(), c.coverageWithNetwork(), maxElectionTicks, maxCommitTicks);
        }
    }

    private String stats() {
        return "ticks=" + c.scheduler.nowUs() / c.tickUs + " events=" + c.scheduler.eventsRun()
                + " faults=" + faults + " submitted=" + c.workload.submitted + " acked=" + c.workload.acked
                + " lost=" + c.workload.lost + " unknown=" + c.workload.unknown + " committed=" + c.checker.committedCount()
                + " configChanges=" + c.operator.changesCommitted + " leaderRemovals=" + c.operator.leaderRemovals
                + " maxElectionTicks=" + maxElectionTicks + " maxCommitTicks=" + maxCommitTicks
                + " E=" + c.electionTimeoutTicks + " " + c.network.stats();
    }

    private void execute() {
        c.network.faults().delayMinUs = 200;
        c.network.faults().delayMaxUs = nemesisRandom.between(500, c.tickUs);
        c.network.faults().slowDelayMaxUs = c.tickUs * nemesisRandom.between(2, 30);
        for (int i = 0; i < voters; i++) {
            c.slot(i).start();
        }
        c.crashBeforeFsyncPerMille = nemesisRandom.chancePerMille(300) ? 0 : (int) nemesisRandom.between(1, 20);
        c.crasher = this::crashAndRestartSoon;
        everyTick(() -> c.operator.step());
        scheduleClient();
        scheduleNemesis();
        long chaosEndUs = chaosTicks * c.tickUs;
        c.scheduler.runUntil(chaosEndUs);

        heal();
        long healUs = c.scheduler.nowUs();
        // Without pre-vote a stale node keeps raising the term and resetting everyone's election
        // timer, so election is only probabilistically quick (the reason pre-vote exists, and the
        // server runs with it). Runs without it get four times the bounds.
        long E = c.electionTimeoutTicks * (c.preVote ? 1L : 4L);
        SimNode leader = null;
        while (leader == null || !leader.raft.isReadyForWrites()) {
            SimViolation.check(c.scheduler.nowUs() - healUs <= LIVENESS_LEADER_TIMEOUTS * E * c.tickUs, "liveness",
                    "no write-ready leader %s ticks after heal: %s", LIVENESS_LEADER_TIMEOUTS * E, describeNodes());
            c.scheduler.runUntil(c.scheduler.nowUs() + c.tickUs);
            leader = c.leader();
        }
        maxElectionTicks = (c.scheduler.nowUs() - healUs) / c.tickUs;

        List<Workload.LiveRequest> requests = new ArrayList<>();
        for (int i = 0; i < LIVENESS_REQUESTS; i++) {
            requests.add(new Workload.LiveRequest(c.scheduler.nowUs() + i * 2 * c.tickUs));
        }
        long commitBoundUs = LIVENESS_COMMIT_TIMEOUTS * E * c.tickUs;
        while (true) {
            boolean allDone = true;
            for (Workload.LiveRequest r : requests) {
                if (r.committedUs >= 0) {
                    maxCommitTicks = Math.max(maxCommitTicks, (r.committedUs - r.submittedUs) / c.tickUs);
                    continue;
                }
                allDone = false;
                if (c.scheduler.nowUs() < r.submittedUs) {
                    continue;
                }
                SimViolation.check(c.scheduler.nowUs() - r.submittedUs <= commitBoundUs, "liveness",
                        "request submitted at tick %s not committed within %s ticks: %s",
                        r.submittedUs / c.tickUs, commitBoundUs / c.tickUs, describeNodes());
                // The client retries (with a fresh value) every election timeout until it commits.
                if (r.lastAttemptUs < 0 || c.scheduler.nowUs() - r.lastAttemptUs >= E * c.tickUs) {
                    c.workload.submitLive(r);
                }
            }
            if (allDone) {
                break;
            }
            c.scheduler.runUntil(c.scheduler.nowUs() + c.tickUs);
        }

        long convergeStartUs = c.scheduler.nowUs();
        // A member far behind catches up at (at worst) one append window per round trip, so the
        // bound grows with its lag: LIVENESS_CONVERGE_TIMEOUTS election timeouts plus one tick per
        // entry it lacks.
        long convergeBoundTicks = LIVENESS_CONVERGE_TIMEOUTS * E + lagEntries();
        while (!converged()) {
            SimViolation.check(c.scheduler.nowUs() - convergeStartUs <= convergeBoundTicks * c.tickUs,
                    "liveness", "members did not converge on the leader's commit within %s ticks: %s",
                    convergeBoundTicks, describeNodes());
            c.scheduler.runUntil(c.scheduler.nowUs() + c.tickUs);
        }
        c.checker.finalValidation();
    }

    private long lagEntries() {
        SimNode leader = c.leader();
        long lag = 0;
        if (leader != null) {
            for (SimNode n : c.upNodes()) {
                lag = Math.max(lag, leader.raft.commitIndex() - n.appliedIndex);
            }
        }
        return lag;
    }

    private boolean converged() {
        SimNode leader = c.leader();
        if (leader == null || !c.operator.isIdle()) {
            return false;
        }
        long commit = leader.raft.commitIndex();
        for (NodeId m : c.committedMembership.all()) {
            SimNode n = c.node(m);
            if (!n.isUp() || n.appliedIndex < commit) {
                return false;
            }
        }
        return true;
    }

    private String describeNodes() {
        StringBuilder sb = new StringBuilder();
        for (SimNode n : c.allNodes()) {
            if (n.isUp()) {
                sb.append(n.id).append('=').append(n.raft.role()).append("/t").append(n.raft.term())
                        .append("/c").append(n.raft.commitIndex()).append("/a").append(n.appliedIndex)
                        .append(n.raft.isReadyForWrites() ? "/ready" : "").append(' ');
            }
        }
        return sb.append(c.committedMembership).toString();
    }

    private void everyTick(Runnable r) {
        c.scheduler.after(c.tickUs, () -> {
            r.run();
            everyTick(r);
        });
    }

    private void scheduleClient() {
        c.scheduler.after(clientRandom.between(c.tickUs / 4, 3 * c.tickUs), () -> {
            if (!chaos) {
                return;
            }
            if (clientRandom.chancePerMille(250)) {
                c.workload.readOne();
            } else {
                c.workload.submitOne(c.workload.randomConcern());
            }
            scheduleClient();
        });
    }

    private void scheduleNemesis() {
        c.scheduler.after(nemesisRandom.between(1, nemesisGapTicksMax) * c.tickUs, () -> {
            if (!chaos) {
                return;
            }
            nemesis();
            scheduleNemesis();
        });
    }

    private void heal() {
        chaos = false;
        c.crashBeforeFsyncPerMille = 0;
        c.network.heal();
        c.fsyncStallPerMille = 0;
        for (SimNode n : c.allNodes()) {
            if (!n.isUp() && !n.retired && wasStarted(n)) {
                n.start();
            }
        }
        c.note("heal");
    }

    private boolean wasStarted(SimNode n) {
        return n.slot < voters || n.incarnation > 0 || n.disk.written().hardState() != null;
    }

    private void nemesis() {
        faults++;
        c.log("nemesis");
        SimRandom r = nemesisRandom;
        List<SimNode> up = c.upNodes();
        if (r.chancePerMille(c.damagePerMille)) {
            damageMinority(r);
            return;
        }
        int action = r.nextInt(110);
        if (action >= 100) {
            // Crash the leader specifically and bring it back soon: leader churn with divergent
            // uncommitted tails is what Figure 8 of the Raft paper needs.
            SimNode leader = c.leader();
            if (leader != null) {
                crashAndRestart(r, List.of(leader));
            }
        } else if (action < 18) {
            crashAndRestart(r, up);
        } else if (action < 22) {
            corruptMinority(r);
        } else if (action < 34) {
            partition(r, up);
        } else if (action < 42) {
            int a = r.nextInt(voters + spareUsed);
            int b = r.nextInt(voters + spareUsed);
            if (a != b) {
                c.network.setBlocked(a, b, true);
                c.note("cut " + a + "->" + b);
                c.count("oneWayCut");
            }
        } else if (action < 48) {
            SimNode leader = c.leader();
            if (leader != null) {
                c.network.isolate(leader.slot);
                c.note("isolate " + leader.id);
                c.count("isolateLeader");
            }
        } else if (action < 60) {
            c.network.heal();
            c.note("heal network");
        } else if (action < 72) {
            c.network.faults().dropPerMille = r.chancePerMille(500) ? 0 : (int) r.between(1, 200);
            c.network.faults().duplicatePerMille = r.chancePerMille(500) ? 0 : (int) r.between(1, 100);
            c.network.faults().slowPerMille = r.chancePerMille(500) ? 0 : (int) r.between(1, 20);
            c.note("knobs");
        } else if (action < 78) {
            c.fsyncStallPerMille = r.chancePerMille(500) ? 0 : (int) r.between(1, 100);
        } else if (action < 88) {
            SimNode leader = c.leader();
            if (leader != null) {
                List<NodeId> vs = new ArrayList<>(c.committedMembership.voters());
                NodeId target = r.pick(vs);
                TransferResult tr = leader.raft.transferLeadership(target);
                c.note("transfer " + leader.id + "->" + target + " " + tr);
                c.count("transfer" + tr);
                leader.drain();
            }
        } else {
            replaceVoter(r);
        }
    }

    private void crashAndRestart(SimRandom r, List<SimNode> up) {
        if (up.isEmpty()) {
            return;
        }
        SimNode victim = r.pick(up);
        c.workload.onCrash(victim);
        victim.crash();
        int inc = victim.incarnation;
        c.scheduler.after(r.between(1, 80) * c.tickUs, () -> {
            if (chaos && !victim.isUp() && !victim.retired && victim.incarnation == inc) {
                victim.start();
            }
        });
    }

    /**
     * A power cut with an immediate restart (a supervisor restarts the process at once): the node
     * is back within the same election, which is when a vote or an acknowledgement it forgot
     * would matter.
     */
    private void crashAndRestartSoon(SimNode victim) {
        c.workload.onCrash(victim);
        victim.crash();
        int inc = victim.incarnation;
        c.scheduler.after(nemesisRandom.between(c.tickUs / 10, 3 * c.tickUs), () -> {
            if (chaos && !victim.isUp() && !victim.retired && victim.incarnation == inc) {
                victim.start();
            }
        });
    }

    /**
     * Detected corruption of one voter's disk (see README: a quarantined replica never rejoins
     * under its old identity; the operator replaces it by a fresh node).
     */
    private void corruptMinority(SimRandom r) {
        if (voters < 3 || !c.operator.isIdle() || spareUsed >= SPARE_SLOTS || !c.quarantined().isEmpty()
                || damagedReplica() != null) {
            return;
        }
        List<NodeId> vs = new ArrayList<>(c.committedMembership.voters());
        SimNode victim = c.node(r.pick(vs));
        if (victim.retired) {
            return;
        }
        if (victim.isUp()) {
            c.workload.onCrash(victim);
            victim.crash();
        }
        victim.disk.wipe();
        c.count("corruptReplaced");
        victim.retired = true;
        c.quarantine(victim.id);
        c.note("corrupt " + victim.id);
        NodeId fresh = c.slot(voters + spareUsed++).id;
        c.operator.planReplace(victim.id, fresh);
    }

    /**
     * Damaged data in one replica's log (a flipped byte in a sealed segment): the node is down,
     * finds the damage on open, cuts its log just before the first damaged entry (possibly below
     * entries it acknowledged and that are committed) and rejoins under its own identity, to be
     * refilled by the leader. With the rule on it withholds its vote until repaired (see
     * README: protocol-aware recovery). One replica at a time, and not while a quarantined node
     * is being replaced: damage to a minority is the fault model.
     */
    private void damageMinority(SimRandom r) {
        if (voters < 3 || !c.operator.isIdle() || !c.quarantined().isEmpty() || damagedReplica() != null) {
            return;
        }
        List<NodeId> vs = new ArrayList<>(c.committedMembership.voters());
        SimNode victim = c.node(r.pick(vs));
        if (victim.retired) {
            return;
        }
        if (victim.isUp()) {
            c.workload.onCrash(victim);
            victim.crash();
        }
        var d = victim.disk.durable();
        if (d.lastIndex() > d.snapshotIndex()) {
            long from = r.between(d.snapshotIndex() + 1, d.lastIndex());
            long held = d.lastIndex();
            victim.cutAtDamage(from, c.withholdVotesAfterDamage);
            c.count("damageCut");
            c.note("damage " + victim.id + " cut at " + from + " held " + held);
        }
        int inc = victim.incarnation;
        c.scheduler.after(r.between(1, 80) * c.tickUs, () -> {
            if (chaos && !victim.isUp() && !victim.retired && victim.incarnation == inc) {
                victim.start();
            }
        });
    }

    /** The node still repairing a cut at damaged data (by the simulator's own account), or null. */
    private SimNode damagedReplica() {
        for (SimNode n : c.allNodes()) {
            if (n.damagedUntil > 0 && !n.retired) {
                return n;
            }
        }
        return null;
    }

    /** For tests: the rule off (to show the simulator then finds lost committed entries), or damage made frequent. */
    SimRun withRepairRule(boolean withholdVotes, int damagePerMille) {
        c.withholdVotesAfterDamage = withholdVotes;
        c.damagePerMille = damagePerMille;
        return this;
    }

    private void replaceVoter(SimRandom r) {
        // Removing a voter while another repairs would be a second fault in a three-voter group
        // (the operator's runbook says: let the repair finish first).
        if (!c.operator.isIdle() || spareUsed >= SPARE_SLOTS || damagedReplica() != null) {
            return;
        }
        List<NodeId> vs = new ArrayList<>(c.committedMembership.voters());
        NodeId old = r.pick(vs);
        SimNode leader = c.leader();
        if (leader != null && r.chancePerMille(400)) {
            old = leader.id; // Removing the leader is the interesting case.
        }
        NodeId fresh = c.slot(voters + spareUsed++).id;
        c.operator.planReplace(old, fresh);
    }

    private void partition(SimRandom r, List<SimNode> up) {
        int n = voters + spareUsed;
        boolean[] side = new boolean[n];
        for (int i = 0; i < n; i++) {
            side[i] = r.nextInt(2) == 0;
        }
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                if (a != b && side[a] != side[b]) {
                    c.network.setBlocked(a, b, true);
                }
            }
        }
        c.note("partition");
        c.count("partition");
    }

    /** Exposed for tests that need a role check; not part of a run's decisions. */
    Role roleOf(int slot) {
        SimNode n = c.slot(slot);
        return n.isUp() ? n.raft.role() : null;
    }
}
