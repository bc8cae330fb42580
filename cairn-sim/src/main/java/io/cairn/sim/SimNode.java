package io.cairn.sim;

import io.cairn.core.NodeId;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.HardState;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.RaftConfig;
import io.cairn.core.raft.RaftMessage;
import io.cairn.core.raft.RaftNode;
import io.cairn.core.raft.RandomSource;
import io.cairn.core.raft.Ready;
import io.cairn.core.raft.Role;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;

import java.util.ArrayDeque;
import java.util.List;

/**
 * One simulated node: the real {@link RaftNode} driven exactly as {@code README-raft.md} tells the
 * server to drive it, over a {@link SimDisk} whose fsyncs take random simulated time.
 *
 * <p>The order per {@link Ready} is the contract's: send {@code messages} now; write snapshot,
 * truncation, entries, hard state; apply committed entries; {@code advance}; and only when the
 * fsync covering this Ready completes, send {@code messagesAfterPersist} and call
 * {@code snapshotApplied}/{@code persisted}. Fsyncs complete in the order they were issued, like a
 * single flusher thread; a crash discards every pending completion (the incarnation changes).
 */
final class SimNode {
    /** Bound on Readys whose fsync has not completed yet. One fsync per Ready keeps this small. */
    static final int PERSISTS_PENDING_MAX = 10_000;

    private record PendingPersist(long barrier, List<RaftMessage> messagesAfterPersist,
                                  SnapshotMetadata snapshot, long lastIndex, long lastTerm) {}

    final NodeId id;
    final int slot;
    final SimDisk<HardState, Entry, Snapshot> disk;
    private final SimCluster cluster;
    private final SimRandom random;
    private final Membership bootstrap;
    private final ArrayDeque<PendingPersist> pending = new ArrayDeque<>();

    RaftNode raft;
    /** Bumped on every crash so that timers and fsync completions of a dead incarnation do nothing. */
    int incarnation;
    boolean retired;
    long commitIndex;
    long appliedIndex;
    long appliedDigest = StateDigest.EMPTY;
    private Role role = Role.FOLLOWER;
    private long roleTerm;
    private long lastFsyncDoneUs;
    /** Index ranges [from, through] cut from this node's log at damaged data (the modelled fault). */
    final java.util.ArrayList<long[]> lostToDamage = new java.util.ArrayList<>();
    /**
     * 0, or the last index held before the latest cut, until entries up to there are committed and
     * durable here again: tracked by the simulator itself (whether or not the rule is on), so the
     * nemesis damages only one replica at a time.
     */
    long damagedUntil;

    SimNode(NodeId id, int slot, SimCluster cluster, SimRandom random, Membership bootstrap) {
        this.id = id;
        this.slot = slot;
        this.cluster = cluster;
        this.random = random;
        this.bootstrap = bootstrap;
        this.disk = new SimDisk<>(random.fork("disk"));
    }

    boolean isUp() {
        return raft != null;
    }

    /** Starts (or restarts) the core from whatever the disk holds durably. */
    void start() {
        SimDisk.Contents<HardState, Entry, Snapshot> d = disk.written();
        long durableCommit = d.hardState() == null ? 0 : d.hardState().commit();
        if (!lostToDamage.isEmpty()) {
            // A cut at damaged data leaves the persisted commit beyond the log; the core caps it.
            durableCommit = Math.min(durableCommit, d.lastIndex());
        }
        cluster.checker.restartedWith(id, durableCommit, d.lastIndex());
        RaftConfig config = cluster.raftConfig(id);
        raft = new RaftNode(config, new SimStorage(disk, bootstrap), RandomSource.seeded(random.nextLong()));
        if (disk.repairMarker() > 0) {
            raft.withholdVotesUntil(disk.repairMarker(), disk.repairMarkerTerm());
        }
        role = raft.role();
        roleTerm = raft.term();
        commitIndex = raft.commitIndex();
        // The application restarts from the snapshot and re-applies the log after it.
        appliedIndex = d.snapshotIndex();
        appliedDigest = d.snapshot() == null ? StateDigest.EMPTY : StateDigest.snapshotDigest(d.snapshot().data());
        if (d.snapshot() != null) {
            cluster.checker.snapshotApplied(id, appliedIndex, appliedDigest);
        }
        lastFsyncDoneUs = cluster.scheduler.nowUs();
        scheduleTick(incarnation, random.between(1, cluster.tickUs));
        cluster.note("start " + id);
        cluster.log("start %s %s", id, raft.status());
        drain();
    }

    /** Power loss: the core's memory is gone and the disk keeps what it keeps. */
    void crash() {
        incarnation++;
        raft = null;
        pending.clear();
        if (disk.crash() > 0) {
            cluster.count("crashLostWrites");
        }
        cluster.count("crash");
        role = Role.FOLLOWER;
        cluster.note("crash " + id);
        cluster.log("crash %s durable last=%s hs=%s", id, disk.durable().lastIndex(), disk.durable().hardState());
    }

    private void scheduleTick(int inc, long delayUs) {
        cluster.scheduler.after(delayUs, () -> {
            if (inc != incarnation || raft == null) {
                return;
            }
            raft.tick();
            drain();
            scheduleTick(inc, cluster.tickUs);
        });
    }

    void deliver(RaftMessage m) {
        if (raft == null) {
            return;
        }
        raft.step(m);
        drain();
    }

    /** Handles every pending Ready, then checks the invariants that depend on this node's state. */
    void drain() {
        while (raft != null && raft.hasReady()) {
            Ready rd = raft.ready();
            handle(rd);
        }
        if (raft != null) {
            observe();
            observeRepair();
            cluster.workload.onNodeStepped(this);
        }
    }

    /** Clears the repair marker once the core lifts the vote restriction (as the server does). */
    private void observeRepair() {
        if (disk.repairMarker() > 0 && raft.votesWithheldUntil() == 0) {
            disk.setRepairMarker(0, 0);
            cluster.count("repairCompleted");
            cluster.note("repaired " + id);
        }
        if (damagedUntil > 0 && raft.commitIndex() >= damagedUntil && disk.durable().lastIndex() >= damagedUntil) {
            damagedUntil = 0;
        }
    }

    /**
     * The node finds damaged data on open (it is down): cut its log before {@code fromIndex} and,
     * when the rule is on, persist the marker first (the server's order).
     */
    void cutAtDamage(long fromIndex, boolean withholdVotes) {
        SimViolation.check(raft == null, "driver", "%s damaged while running", id);
        long lastBefore = disk.durable().lastIndex();
        if (withholdVotes) {
            // As the server: a second cut keeps the higher index and term of both.
            disk.setRepairMarker(Math.max(disk.repairMarker(), lastBefore),
                    Math.max(disk.repairMarkerTerm(), termAt(disk.durable(), lastBefore)));
        }
        disk.cutAtDamage(fromIndex);
        lostToDamage.add(new long[] {fromIndex, lastBefore});
        damagedUntil = Math.max(damagedUntil, lastBefore);
    }

    /** True when a cut at damaged data removed {@code index} from this node (the modelled fault). */
    boolean lostToDamage(long index) {
        for (long[] r : lostToDamage) {
            if (index >= r[0] && index <= r[1]) {
                return true;
            }
        }
        return false;
    }

    private void handle(Ready rd) {
        if (SimCluster.VERBOSE) {
            cluster.log("ready %s hs=%s snap=%s trunc=%s entries=%s committed=%s afterPersist=%s", id, rd.hardState(),
                    rd.snapshot(), rd.truncateFromIndex(), rd.entries(), rd.committedEntries(), rd.messagesAfterPersist());
        }
        for (RaftMessage m : rd.messages()) {
            cluster.send(this, m);
        }
        SnapshotMetadata installed = null;
        if (rd.snapshot().isPresent()) {
            Snapshot s = rd.snapshot().get();
            // The snapshot replaces the whole log (README-raft.md), so no stale suffix survives it.
            disk.installSnapshot(s, s.index(), s.term(), false);
            installed = s.metadata();
            cluster.count("snapshotInstalled");
        }
        if (!rd.entries().isEmpty()) {
            long first = rd.entries().get(0).index();
            long last = disk.written().lastIndex();
            SimViolation.check(rd.truncateFromIndex() != 0 || first == last + 1, "ready-contract",
                    "%s: Ready appends from %s over stored log ending at %s without truncateFromIndex", id, first, last);
            SimViolation.check(rd.truncateFromIndex() == 0 || rd.truncateFromIndex() > commitIndex, "ready-contract",
                    "%s: truncation from %s at or below commit %s", id, rd.truncateFromIndex(), commitIndex);
            disk.append(first, rd.entries());
            for (Entry e : rd.entries()) {
                long prev = e.index() == 1 ? 0 : termAt(disk.written(), e.index() - 1);
                cluster.checker.appended(id, e, prev);
            }
        }
        if (rd.hardState().isPresent()) {
            disk.setHardState(rd.hardState().get());
        }
        if (installed != null) {
            long digest = StateDigest.snapshotDigest(rd.snapshot().get().data());
            cluster.checker.snapshotApplied(id, installed.index(), digest);
            appliedIndex = installed.index();
            appliedDigest = digest;
        }
        for (Entry e : rd.committedEntries()) {
            apply(e);
        }
        for (io.cairn.core.raft.ReadState rs : rd.readStates()) {
            cluster.workload.onReadState(this, rs);
        }
        raft.advance(rd);

        Entry lastEntry = rd.entries().isEmpty() ? null : rd.entries().get(rd.entries().size() - 1);
        if (rd.needsPersist() || !rd.messagesAfterPersist().isEmpty()) {
            SimViolation.check(pending.size() < PERSISTS_PENDING_MAX, "driver", "%s: too many pending persists", id);
            long barrier = disk.fsyncBarrier();
            pending.addLast(new PendingPersist(barrier, rd.messagesAfterPersist(), installed,
                    lastEntry == null ? 0 : lastEntry.index(), lastEntry == null ? 0 : lastEntry.term()));
            // Fsyncs complete in issue order (one flusher), each after a random latency.
            long doneUs = Math.max(lastFsyncDoneUs, cluster.scheduler.nowUs() + cluster.fsyncDelayUs(random));
            lastFsyncDoneUs = doneUs;
            int inc = incarnation;
            cluster.scheduler.at(doneUs, () -> fsyncDone(inc, barrier));
            // Term and vote changes are where a forgotten write hurts most, so they are cut more often.
            int crashPerMille = rd.hardState().isPresent() && rd.hardState().get().term() > roleTerm
                    ? cluster.crashBeforeFsyncPerMille * 10 : cluster.crashBeforeFsyncPerMille;
            if (random.chancePerMille(crashPerMille)) {
                long crashUs = random.between(cluster.scheduler.nowUs(), Math.max(cluster.scheduler.nowUs(), doneUs - 1));
                cluster.scheduler.at(crashUs, () -> {
                    // Scheduled during the chaos phase, but the heal may have come first.
                    if (inc == incarnation && raft != null && cluster.crashBeforeFsyncPerMille > 0) {
                        cluster.count("crashBeforeFsync");
                        cluster.crasher.accept(this);
                    }
                });
            }
        }
        maybeCompact();
    }

    private void fsyncDone(int inc, long barrier) {
        if (inc != incarnation || raft == null) {
            return;
        }
        disk.fsyncCompleted(barrier);
        cluster.log("fsynced %s barrier=%s durable last=%s", id, barrier, disk.durable().lastIndex());
        while (!pending.isEmpty() && pending.peekFirst().barrier <= barrier) {
            PendingPersist p = pending.pollFirst();
            // After-persist messages (vote grants, append acks) leave only now: sending them before
            // the fsync would let a crash forget a vote or an acknowledged entry.
            for (RaftMessage m : p.messagesAfterPersist) {
                cluster.send(this, m);
            }
            if (p.snapshot != null) {
                raft.snapshotApplied(p.snapshot);
            }
            if (p.lastIndex != 0) {
                cluster.log("persisted %s %s/%s", id, p.lastIndex, p.lastTerm);
                raft.persisted(p.lastIndex, p.lastTerm);
            }
        }
        drain();
    }

    private void apply(Entry e) {
        SimViolation.check(e.index() == appliedIndex + 1, "ready-contract",
                "%s: applies %s after applied index %s (not contiguous)", id, e, appliedIndex);
        SimDisk.Contents<HardState, Entry, Snapshot> durable = disk.durable();
        boolean durableHere = durable.snapshotIndex() >= e.index() || e.equals(durable.entry(e.index()));
        SimViolation.check(durableHere, "ready-contract", "%s: hands out %s as committed before it is durable locally", id, e);
        cluster.checker.applied(id, e, raft.term());
        appliedIndex = e.index();
        appliedDigest = StateDigest.next(appliedDigest, e);
        cluster.trace.add(slot * 1_000_003L + e.index() * 31 + e.term());
        cluster.workload.onApplied(this, e);
        cluster.onApplied(e);
    }

    /**
     * Folds the applied prefix into a snapshot now and then, so that lagging or new nodes must be
     * caught up with InstallSnapshot. Only applied (hence committed and durable) entries are
     * compacted, as the server does.
     */
    private void maybeCompact() {
        SimDisk.Contents<HardState, Entry, Snapshot> w = disk.written();
        long through = appliedIndex;
        if (cluster.compactEveryEntries <= 0 || through - w.snapshotIndex() < cluster.compactEveryEntries
                || through > w.lastIndex()) {
            return;
        }
        // Config changes take effect when applied, so the membership now is the one at `through`.
        Membership m = raft.status().membership();
        Snapshot s = new Snapshot(new SnapshotMetadata(through, termAt(w, through), m),
                StateDigest.encodeSnapshot(appliedDigest, through));
        disk.compact(through, termAt(w, through), s);
        cluster.count("compaction");
        cluster.note("compact " + id + " " + through);
    }

    /** Role, term and commit checks after every step of this node. */
    private void observe() {
        Role r = raft.role();
        long term = raft.term();
        long commit = raft.commitIndex();
        cluster.checker.commitMoved(id, commitIndex, commit);
        if (r == Role.LEADER && role == Role.LEADER && roleTerm == term && commit > commitIndex) {
            // Raft §5.4.2 (Figure 8): a leader advances its commit index only by counting replicas
            // of an entry of its own term; older entries are committed indirectly.
            long t = termAt(disk.written(), commit);
            SimViolation.check(t == term, "commit-rule", "%s, leader of term %s, moved its commit to %s, an entry of term %s",
                    id, term, commit, t);
        }
        commitIndex = commit;
        if (r == Role.LEADER) {
            boolean isNew = role != Role.LEADER || roleTerm != term;
            cluster.checker.leader(id, term);
            if (isNew) {
                cluster.count("election");
                SimDisk.Contents<HardState, Entry, Snapshot> w = disk.written();
                cluster.checker.becameLeader(id, term, index -> {
                    if (index <= w.snapshotIndex()) {
                        return InvariantChecker.LogView.COMPACTED;
                    }
                    Entry e = w.entry(index);
                    return e == null ? -1 : e.term();
                });
                cluster.note("leader " + id + " " + term);
            }
        }
        if (r != role || term != roleTerm) {
            cluster.trace.add(((long) r.ordinal() << 56) ^ ((long) slot << 48) ^ term);
        }
        role = r;
        roleTerm = term;
    }

    Role role() {
        return role;
    }

    static long termAt(SimDisk.Contents<HardState, Entry, Snapshot> c, long index) {
        if (index == c.snapshotIndex()) {
            return c.snapshotTerm();
        }
        Entry e = c.entry(index);
        return e == null ? -1 : e.term();
    }
}
