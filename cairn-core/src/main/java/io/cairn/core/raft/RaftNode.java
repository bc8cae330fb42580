package io.cairn.core.raft;

import io.cairn.core.GroupId;
import io.cairn.core.Invariants;
import io.cairn.core.NodeId;
import io.cairn.core.raft.RaftMessage.AppendRequest;
import io.cairn.core.raft.RaftMessage.AppendResponse;
import io.cairn.core.raft.RaftMessage.Heartbeat;
import io.cairn.core.raft.RaftMessage.HeartbeatResponse;
import io.cairn.core.raft.RaftMessage.InstallSnapshot;
import io.cairn.core.raft.RaftMessage.TimeoutNow;
import io.cairn.core.raft.RaftMessage.VoteRequest;
import io.cairn.core.raft.RaftMessage.VoteResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One member of one Raft group, as a pure step function (etcd raft's {@code RawNode}).
 *
 * <p>Not thread-safe: one thread drives a node. Inputs ({@link #tick()}, {@link #step},
 * {@link #propose}, {@link #readIndex}, {@link #persisted}, {@link #snapshotApplied},
 * {@link #transferLeadership}) change state; {@link #ready()} collects what the driver must do
 * and {@link #advance(Ready)} acknowledges it. See {@link Ready} for the exact order.
 *
 * <p>Cheap by design: a node holds its state, its unstable log tail and per-peer progress,
 * nothing else, so thousands of groups can share a process.
 */
public final class RaftNode {
    private final RaftConfig config;
    private final NodeId self;
    private final RandomSource random;
    private final RaftLog log;

    // Persistent state (Raft Figure 2): handed out through Ready.hardState and persisted by the driver.
    private long term;
    private NodeId votedFor;

    private Role role = Role.FOLLOWER;
    private NodeId leader;
    private Membership membership;
    /**
     * The membership at the end of the log: the applied one plus every config change after it,
     * committed or not. Elections, and a leader's commit counting and check-quorum, count under
     * it (dissertation §4.1), not under the applied one: a change can commit while the only node
     * that knows it committed dies, and a quorum that only the new membership has (say, a
     * promoted learner and one old voter) must still be able to elect and commit. Set when a
     * (pre-)election starts and when a leader starts or proposes a change; stale otherwise.
     */
    private Membership quorumMembership;
    /** Index of the last config change in the log that is not yet applied (leader: refuse another). */
    private long pendingConfigIndex;
    /**
     * Protocol-aware recovery (Alagappan et al., FAST'18): 0, or the last index this node held
     * before it cut its log at damaged data. Until entries up to here are committed and durable
     * here again, the node does not campaign and votes only for candidates as up to date as its
     * log before the cut; see {@link #withholdVotesUntil(long, long)}.
     */
    private long votesWithheldUntilIndex;
    /** Term of the last entry held before the cut (with {@link #votesWithheldUntilIndex}). */
    private long votesWithheldUntilTerm;

    private int electionElapsedTicks;
    private int heartbeatElapsedTicks;
    private int randomizedElectionTimeoutTicks;
    /** Learner only: ticks since it last looked for its own promotion in its log; see timeToCampaign. */
    private int learnerCampaignCheckTicks;

    /** Votes of the current (pre-)election; on a leader, replication state per peer. */
    private final ProgressTracker tracker;
    /** Leader only: what each follower is sent next, and what its answers mean for its progress. */
    private final Replicator replicator;
    private NodeId leadTransferee;
    /** Leader only: index of this term's no-op; the leader is ready once it is applied. MAX otherwise. */
    private long noopIndex = Long.MAX_VALUE;
    /** Leader only: (index, bytes) of proposals not yet committed, to bound uncommitted bytes. */
    private final ArrayDeque<long[]> uncommitted = new ArrayDeque<>();
    private long uncommittedBytes;
    /** A follower may not know the commit index yet; see {@link #sendDueCommitNotices()}. */
    private boolean commitNoticesDue;
    private final ReadIndexQueue reads = new ReadIndexQueue();

    private List<RaftMessage> messages = new ArrayList<>();
    private List<RaftMessage> messagesAfterPersist = new ArrayList<>();
    private List<ReadState> readStates = new ArrayList<>();
    private HardState lastHandedOutHardState;
    private Ready outstanding;

    /**
     * Restores a node from {@code storage} (its hard state, snapshot, log and membership).
     * A new group starts as follower in term 0 with the bootstrap membership of
     * {@link RaftStorage#initialState()}; a single-voter group elects itself on its first timeout.
     */
    public RaftNode(RaftConfig config, RaftStorage storage, RandomSource random) {
        this.config = Objects.requireNonNull(config, "config");
        this.self = config.self();
        this.random = Objects.requireNonNull(random, "random");
        this.tracker = new ProgressTracker(self);
        RaftStorage.InitialState init = Objects.requireNonNull(storage, "storage").initialState();
        HardState hs = init.hardState();
        this.log = new RaftLog(storage, hs.commit(), init.appliedIndex());
        this.replicator = new Replicator(config, log, tracker, this::send);
        this.term = hs.term();
        this.votedFor = hs.votedFor();
        this.membership = init.membership();
        this.quorumMembership = membership;
        this.lastHandedOutHardState = hardState();
        becomeFollower(term, null);
    }

    public GroupId groupId() {
        return config.groupId();
    }

    public NodeId id() {
        return self;
    }

    // ------------------------------------------------------------------ inputs

    /** Advances logical time by one tick: election timeouts, heartbeats, check-quorum. */
    public void tick() {
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            // Capped so a learner that never campaigns cannot overflow the counter.
            electionElapsedTicks = Math.min(electionElapsedTicks + 1, 2 * config.electionTimeoutTicks());
            if (electionElapsedTicks >= randomizedElectionTimeoutTicks && timeToCampaign()) {
                electionElapsedTicks = 0;
                startElection(false);
            }
        }
    }

    private void tickLeader() {
        heartbeatElapsedTicks++;
        electionElapsedTicks++;
        if (electionElapsedTicks >= config.electionTimeoutTicks()) {
            electionElapsedTicks = 0;
            if (config.checkQuorum() && !tracker.quorumActiveAndReset(quorumMembership)) {
                // Dissertation §6.2: a leader cut off from a quorum steps down so clients stop
                // talking to it; a majority elsewhere may already have a new leader.
                becomeFollower(term, null);
                return;
            }
            if (!membership.isVoter(self)) {
                // A removed leader keeps handing over until a successor's election deposes it.
                handOverFromRemovedLeader();
            } else if (leadTransferee != null) {
                // The transfer did not complete within an election timeout: take writes again.
                leadTransferee = null;
            }
        }
        replicator.tick();
        if (heartbeatElapsedTicks >= config.heartbeatIntervalTicks()) {
            heartbeatElapsedTicks = 0;
            replicator.broadcastHeartbeat(term, reads.round());
        }
    }

    /**
     * Protocol-aware recovery: this node cut its log because stored entries were damaged, and
     * ({@code lastIndexBeforeCut}, {@code lastTermBeforeCut}) is the last entry it held before
     * the cut. It may have acknowledged (and so helped commit) entries it no longer has, so its
     * vote must not help elect a leader that lacks them. Until it holds, durably, committed
     * entries up to that index (learned from a leader of its current term, or a snapshot), it
     * never campaigns, and grants a vote or pre-vote only to a candidate whose log is at least
     * as up to date as its log <em>before</em> the cut: the election restriction it would have
     * applied had nothing been damaged, so the vote is exactly as safe as an intact node's, and a
     * group whose quorum needs this node is not wedged when a candidate has everything. It
     * still acknowledges appends it has persisted, so it counts toward commits. A leader steps
     * down. A second cut during a repair keeps the higher index and the higher term of the two
     * (stricter than either); an index of 0 or less changes nothing. Lifted at once if already
     * satisfied.
     */
    public void withholdVotesUntil(long lastIndexBeforeCut, long lastTermBeforeCut) {
        if (lastIndexBeforeCut <= 0) {
            return;
        }
        votesWithheldUntilIndex = Math.max(votesWithheldUntilIndex, lastIndexBeforeCut);
        votesWithheldUntilTerm = Math.max(votesWithheldUntilTerm, lastTermBeforeCut);
        if (role != Role.FOLLOWER) {
            becomeFollower(term, null);
        }
        maybeLiftVoteWithholding();
    }

    /**
     * 0 when this node may vote and campaign; otherwise the index it must hold committed and
     * durable first (see {@link #withholdVotesUntil(long, long)}). The driver clears its persisted
     * marker once this reads 0.
     */
    public long votesWithheldUntil() {
        return votesWithheldUntilIndex;
    }

    private void maybeLiftVoteWithholding() {
        // Committed implies every entry this node ever acknowledged at or below the index is the
        // committed one (a committed entry never changes), and stable means a crash keeps them.
        // The commit index is learned only from a leader of the current term (capped at what
        // matches it), or from the persisted commit capped at the log, which was true knowledge.
        if (votesWithheldUntilIndex > 0 && log.commitIndex() >= votesWithheldUntilIndex
                && log.stableIndex() >= votesWithheldUntilIndex) {
            votesWithheldUntilIndex = 0;
            votesWithheldUntilTerm = 0;
        }
    }

    /** Starts an election now (as if the election timeout fired). For tests and bootstrap. */
    public void campaign() {
        if (role != Role.LEADER && promotable()) {
            startElection(false);
        }
    }

    /**
     * Handles a message from a peer. Messages from other groups or to other nodes are a driver bug
     * and throw {@link IllegalArgumentException}; stale or duplicated messages are ignored safely.
     */
    public void step(RaftMessage m) {
        Objects.requireNonNull(m, "message");
        if (!m.groupId().equals(config.groupId()) || !m.to().equals(self)) {
            throw new IllegalArgumentException("message for " + m.groupId() + "/" + m.to() + " delivered to "
                    + config.groupId() + "/" + self + ": " + m);
        }
        if (m.from().equals(self)) {
            throw new IllegalArgumentException("message from self: " + m);
        }
        if (m.term() > term) {
            if (m instanceof VoteRequest v) {
                boolean inLease = config.checkQuorum() && leader != null
                        && electionElapsedTicks < config.electionTimeoutTicks();
                if (!v.transfer() && inLease) {
                    // Dissertation §4.2.3: we heard from a live leader within the minimum election
                    // timeout, so this candidate is disruptive (e.g. a flapping node); ignore it
                    // without adopting its term.
                    return;
                }
                if (!v.preVote()) {
                    // Raft Figure 2: only a granted vote or a leader's message restarts the election
                    // timer. Restarting it here would let a candidate that can never win (its log is
                    // behind) keep postponing the one node that can, term after term.
                    int elapsed = electionElapsedTicks;
                    int timeout = randomizedElectionTimeoutTicks;
                    becomeFollower(m.term(), null);
                    electionElapsedTicks = elapsed;
                    randomizedElectionTimeoutTicks = timeout;
                }
            } else if (m instanceof VoteResponse r && r.preVote() && r.granted()) {
                // A granted pre-vote echoes the term we would campaign in; nobody adopted it.
            } else if (m instanceof AppendRequest || m instanceof Heartbeat || m instanceof InstallSnapshot) {
                becomeFollower(m.term(), m.from());
            } else {
                becomeFollower(m.term(), null);
            }
        } else if (m.term() < term) {
            if (m instanceof AppendRequest || m instanceof Heartbeat) {
                // A stale leader (e.g. one that was partitioned) learns the new term from this
                // answer and steps down; without it, check-quorum plus pre-vote could leave it
                // sending forever while we ignore it.
                send(new AppendResponse(config.groupId(), self, m.from(), term, false, 0, 0, 0));
            } else if (m instanceof VoteRequest v) {
                // Raft Figure 2: a stale request is rejected with our term. A candidate we never
                // ask (it is not a voter in our log yet) would otherwise never learn our term, and
                // while it campaigns below it and we ignore it, no election can count both of us.
                send(new VoteResponse(config.groupId(), self, m.from(), term, v.preVote(), false, log.commitIndex(), log.term(log.commitIndex())));
            }
            return;
        }

        switch (m) {
            case VoteRequest v -> handleVoteRequest(v);
            case VoteResponse r -> handleVoteResponse(r);
            case AppendRequest a -> {
                acceptLeader(a.from());
                handleAppend(a);
            }
            case Heartbeat h -> {
                acceptLeader(h.from());
                handleHeartbeat(h);
            }
            case InstallSnapshot s -> {
                acceptLeader(s.from());
                handleSnapshot(s);
            }
            case AppendResponse r -> handleAppendResponse(r);
            case HeartbeatResponse r -> handleHeartbeatResponse(r);
            case TimeoutNow t -> {
                acceptLeader(t.from());
                log.commitTo(Math.min(t.commit(), log.lastIndex()));
                maybeLiftVoteWithholding();
                if (promotable() && role != Role.LEADER) {
                    // Dissertation §3.10: the leader vouches for us, so skip pre-vote.
                    startElection(true);
                }
            }
        }
    }

    /**
     * Appends an entry to the leader's log. Only {@link EntryType#NORMAL} is accepted here
     * ({@link IllegalArgumentException} otherwise); use {@link #proposeConfigChange} for changes.
     */
    public ProposeResult propose(EntryType type, byte[] data) {
        if (type != EntryType.NORMAL) {
            throw new IllegalArgumentException("only NORMAL entries may be proposed directly, got " + type);
        }
        Rejected rejected = checkCanPropose(Entry.OVERHEAD_BYTES + (data == null ? 0 : data.length));
        if (rejected != null) {
            return rejected;
        }
        return appendProposal(EntryType.NORMAL, data);
    }

    /** Proposes one membership change; refused while another change is pending. */
    public ProposeResult proposeConfigChange(ConfigChange change) {
        Objects.requireNonNull(change, "change");
        byte[] data = change.encode();
        Rejected rejected = checkCanPropose(Entry.OVERHEAD_BYTES + data.length);
        if (rejected != null) {
            return rejected;
        }
        if (pendingConfigIndex > log.appliedIndex()) {
            return new Rejected(Rejection.CONFIG_CHANGE_PENDING, Optional.of(self));
        }
        Membership next;
        try {
            next = membership.apply(change);
        } catch (IllegalArgumentException e) {
            return new Rejected(Rejection.INVALID_CONFIG_CHANGE, Optional.of(self));
        }
        // Counted under from the moment it is in the log (see quorumMembership). Every earlier
        // change is applied here (checked above), so the applied membership is the log's.
        quorumMembership = next;
        ProposeResult.Accepted accepted = appendProposal(EntryType.CONFIG_CHANGE, data);
        pendingConfigIndex = accepted.index();
        return accepted;
    }

    private Rejected checkCanPropose(long bytes) {
        if (role != Role.LEADER) {
            return new Rejected(Rejection.NOT_LEADER, Optional.ofNullable(leader));
        }
        if (leadTransferee != null) {
            return new Rejected(Rejection.TRANSFER_IN_PROGRESS, Optional.of(leadTransferee));
        }
        if (!isReadyForWrites()) {
            return new Rejected(Rejection.LEADER_NOT_READY, Optional.of(self));
        }
        if (uncommittedBytes > 0 && uncommittedBytes + bytes > config.uncommittedBytesMax()) {
            return new Rejected(Rejection.OVERLOADED, Optional.of(self));
        }
        return null;
    }

    private ProposeResult.Accepted appendProposal(EntryType type, byte[] data) {
        Entry e = new Entry(term, log.lastIndex() + 1, type, data);
        log.appendLocal(e);
        uncommitted.addLast(new long[] {e.index(), e.sizeBytes()});
        uncommittedBytes += e.sizeBytes();
        replicator.broadcastAppend(term, false);
        return new ProposeResult.Accepted(e.index(), e.term());
    }

    /**
     * Starts a linearizable read (Raft §6.4, ReadIndex): the leader records its commit index,
     * confirms with a quorum that it is still leader, then emits a {@link ReadState} with
     * {@code context} in a later Ready.
     */
    public ReadIndexResult readIndex(long context) {
        if (role != Role.LEADER) {
            return new Rejected(Rejection.NOT_LEADER, Optional.ofNullable(leader));
        }
        if (!isReadyForWrites()) {
            // Until this term's no-op commits, the commit index may lag entries an earlier
            // leader committed, so a read at it could miss acknowledged writes.
            return new Rejected(Rejection.LEADER_NOT_READY, Optional.of(self));
        }
        if (reads.size() >= config.readIndexQueueMax()) {
            return new Rejected(Rejection.OVERLOADED, Optional.of(self));
        }
        reads.add(context, log.commitIndex());
        if (membership.quorum() <= 1 && membership.isVoter(self)) {
            readStates.addAll(reads.confirmed(membership, self));
        } else {
            replicator.broadcastHeartbeat(term, reads.round());
        }
        return new ReadIndexResult.Pending(context);
    }

    /** Hands leadership to {@code target} (dissertation §3.10). Aborted after an election timeout. */
    public TransferResult transferLeadership(NodeId target) {
        Objects.requireNonNull(target, "target");
        if (role != Role.LEADER) {
            return TransferResult.NOT_LEADER;
        }
        if (target.equals(self)) {
            return TransferResult.ALREADY_LEADER;
        }
        if (!membership.isVoter(target)) {
            return TransferResult.NOT_A_VOTER;
        }
        leadTransferee = target;
        electionElapsedTicks = 0;
        Progress pr = tracker.get(target);
        if (pr.match == log.lastIndex()) {
            send(new TimeoutNow(config.groupId(), self, target, term, log.commitIndex()));
        } else {
            replicator.sendAppend(term, target, pr, true);
        }
        return TransferResult.STARTED;
    }

    /**
     * Durability contract: the driver calls this only when every entry with index &lt;= {@code index}
     * handed out so far (and all hard state and snapshots handed out before them) survives a crash.
     * {@code term} is the term of the entry at {@code index}; a call whose term no longer matches
     * (the entry was truncated meanwhile) is ignored.
     */
    public void persisted(long index, long term) {
        long before = log.stableIndex();
        log.stableTo(index, term);
        if (role == Role.LEADER && log.stableIndex() > before) {
            // The leader counts itself toward a quorum only for entries durable on its own disk.
            maybeCommitAndBroadcast();
        }
        maybeLiftVoteWithholding();
    }

    /**
     * The snapshot handed out in a Ready is durable in storage and the application state was
     * restored from it. Implies {@code persisted(metadata.index(), metadata.term())}.
     */
    public void snapshotApplied(SnapshotMetadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        log.snapshotInstalled(metadata);
        maybeLiftVoteWithholding();
    }

    // ------------------------------------------------------------------ Ready

    /** True when {@link #ready()} would return a non-empty Ready. */
    public boolean hasReady() {
        sendDueCommitNotices();
        return !messages.isEmpty() || !messagesAfterPersist.isEmpty() || !readStates.isEmpty()
                || !hardState().equals(lastHandedOutHardState) || log.snapshotToHandOut() != null
                || log.hasEntriesToHandOut() || log.hasCommittedToHandOut();
    }

    /**
     * Collects the pending work. Call {@link #advance(Ready)} with the returned Ready before calling
     * {@code ready()} again.
     */
    public Ready ready() {
        Invariants.check(outstanding == null, "ready() called again before advance()");
        sendDueCommitNotices();
        HardState hs = hardState();
        HardState last = lastHandedOutHardState;
        Invariants.check(hs.term() >= last.term(), "term decreased: %s -> %s", last.term(), hs.term());
        Invariants.check(hs.commit() >= last.commit(), "commit decreased: %s -> %s", last.commit(), hs.commit());
        Invariants.check(hs.term() != last.term() || last.votedFor() == null || last.votedFor().equals(hs.votedFor()),
                "vote changed within term %s: %s -> %s", hs.term(), last.votedFor(), hs.votedFor());
        Optional<HardState> hsOut = hs.equals(lastHandedOutHardState) ? Optional.empty() : Optional.of(hs);
        List<RaftMessage> now = messages;
        List<RaftMessage> after = messagesAfterPersist;
        if (hsOut.isPresent() && (hs.term() != lastHandedOutHardState.term()
                || !Objects.equals(hs.votedFor(), lastHandedOutHardState.votedFor()))) {
            // Nothing may leave the node carrying a term or vote that is not yet durable: a crash
            // would let this node act in the same term again with a different log or vote.
            List<RaftMessage> all = new ArrayList<>(now);
            all.addAll(after);
            now = List.of();
            after = all;
        }
        Ready ready = new Ready(hsOut, Optional.ofNullable(log.snapshotToHandOut()), log.truncateFromIndex(),
                log.entriesToHandOut(), now, after, log.committedToHandOut(config.appendBytesMax()), readStates);
        messages = new ArrayList<>();
        messagesAfterPersist = new ArrayList<>();
        readStates = new ArrayList<>();
        lastHandedOutHardState = hs;
        log.handedOut(ready);
        outstanding = ready;
        return ready;
    }

    /** Acknowledges that the driver has taken {@code ready} (written, sent, applied as documented). */
    public void advance(Ready ready) {
        Invariants.check(ready == outstanding, "advance() with a Ready that is not the outstanding one");
        outstanding = null;
        for (Entry e : ready.committedEntries()) {
            if (e.type() == EntryType.CONFIG_CHANGE) {
                applyConfigChange(ConfigChange.decode(e.data()));
            } else if (e.type() == EntryType.NOOP && e.data().length > 0) {
                Membership m = Membership.decode(e.data());
                if (!m.equals(membership)) {
                    // Only a node that started without the membership (a fresh joiner) gets here:
                    // the no-op records exactly the membership at its index.
                    setMembership(m);
                }
            }
        }
        if (!ready.committedEntries().isEmpty()) {
            log.appliedTo(ready.committedEntries().get(ready.committedEntries().size() - 1).index());
        }
    }

    // ------------------------------------------------------------------ queries

    /**
     * How durable the entry proposed at (index, term) is now. Only the leader can vouch for a
     * write: every level includes "fsynced on this leader", {@link Durability#MAJORITY} means
     * committed and fsynced on a majority of the <em>current</em> voters, {@link Durability#ALL}
     * on every current voter. A node that is not leader answers {@link Durability#LOST} (a
     * different entry is committed at that index) or {@link Durability#UNKNOWN}.
     */
    public Durability durability(long index, long term) {
        if (index < 1 || term < 1) {
            throw new IllegalArgumentException("index and term must be >= 1, got " + index + "/" + term);
        }
        boolean sameLeaderTerm = role == Role.LEADER && this.term == term;
        long actual;
        if (index < log.firstIndex() - 1) {
            if (!sameLeaderTerm) {
                return Durability.UNKNOWN;
            }
            // Compacted away, but a leader never truncates its own log within its term, so the
            // entry it accepted in this term is still the one at that index.
            actual = term;
        } else {
            actual = log.term(index);
        }
        // Every level includes "durable here": a majority can commit an entry before the
        // leader's own fsync finishes, and acks=leader must still mean fsynced on the leader.
        boolean durableHere = index <= log.stableIndex() || index < log.firstIndex();
        if (index <= log.commitIndex()) {
            if (actual != term) {
                return Durability.LOST;
            }
            if (!durableHere) {
                return Durability.PENDING;
            }
            if (role == Role.LEADER) {
                if (tracker.votersMatching(membership, log.stableIndex(), index) == membership.voters().size()) {
                    return Durability.ALL;
                }
                // Committed under the config of its time; after a membership change the entry may
                // not yet be on a majority of today's voters, and the promise is read literally.
                return tracker.votersMatching(membership, log.stableIndex(), index) >= membership.quorum()
                        ? Durability.MAJORITY : Durability.PENDING;
            }
            // Committed, but a node that is no longer leader cannot count today's voters, and the
            // write-concern promise is about them; the request's outcome is reported as unknown.
            return Durability.UNKNOWN;
        }
        if (!sameLeaderTerm || actual != term) {
            // Not committed and we are not that term's leader: it may still commit or vanish.
            return Durability.UNKNOWN;
        }
        return durableHere ? Durability.LEADER : Durability.PENDING;
    }

    /** True when the entry proposed at (index, term) meets write concern {@code acks}. */
    public boolean durableOn(long index, long term, Acks acks) {
        return durability(index, term).satisfies(acks);
    }

    /** Per-member progress, leader only (empty otherwise). */
    public List<PeerProgress> progress() {
        if (role != Role.LEADER) {
            return List.of();
        }
        List<PeerProgress> out = new ArrayList<>();
        for (NodeId n : membership.all()) {
            if (n.equals(self)) {
                out.add(new PeerProgress(self, membership.isVoter(self), log.stableIndex(), log.lastIndex() + 1,
                        ProgressState.REPLICATE, 0, true));
            } else {
                Progress pr = tracker.get(n);
                out.add(new PeerProgress(n, pr.voter, pr.match, pr.next, pr.state, pr.inflightMessages(), pr.recentActive));
            }
        }
        return out;
    }

    public RaftStatus status() {
        return new RaftStatus(config.groupId(), self, role, term, Optional.ofNullable(votedFor), Optional.ofNullable(leader),
                log.commitIndex(), log.appliedIndex(), log.stableIndex(), log.lastIndex(), log.lastTerm(), log.firstIndex(),
                membership, isReadyForWrites(), progress());
    }

    public Role role() {
        return role;
    }

    public long term() {
        return term;
    }

    public Optional<NodeId> leader() {
        return Optional.ofNullable(leader);
    }

    public long commitIndex() {
        return log.commitIndex();
    }

    public Membership membership() {
        return membership;
    }

    /**
     * True on a leader whose term's no-op is committed and applied and that is not handing over
     * leadership: every entry of earlier terms is then committed and applied too, so the
     * application can dedupe against them and reads at the commit index are complete.
     */
    public boolean isReadyForWrites() {
        return role == Role.LEADER && log.appliedIndex() >= noopIndex && leadTransferee == null;
    }

    // ------------------------------------------------------------------ roles

    private HardState hardState() {
        return new HardState(term, votedFor, log.commitIndex());
    }

    /**
     * Whether an expired election timer should start an election. A learner looks into its log
     * (see {@link #promotable()}) once per election timeout, not every tick; its election timer
     * keeps running, because it also ends the leader lease in which vote requests are ignored.
     */
    private boolean timeToCampaign() {
        if (!membership.isLearner(self)) {
            return promotable();
        }
        if (++learnerCampaignCheckTicks < randomizedElectionTimeoutTicks) {
            return false;
        }
        learnerCampaignCheckTicks = 0;
        return promotable();
    }

    private boolean promotable() {
        // A repairing node must not lead either: its log may lack entries it acknowledged.
        if (log.hasUnstableSnapshot() || votesWithheldUntilIndex != 0) {
            return false;
        }
        // A learner whose promotion is in its log may already be a voter: the promotion can
        // commit on the old voters and its committer die before anyone else learns that; then
        // this node may be needed to make a quorum of the new voters (etcd lets learners vote
        // for the same reason).
        return membership.isVoter(self) || (membership.isLearner(self) && membershipAtLastIndex().isVoter(self));
    }

    private void setTerm(long newTerm) {
        Invariants.check(newTerm >= term, "term must never decrease: %s -> %s", term, newTerm);
        if (newTerm > term) {
            term = newTerm;
            votedFor = null;
        }
    }

    private void reset() {
        electionElapsedTicks = 0;
        heartbeatElapsedTicks = 0;
        randomizedElectionTimeoutTicks = config.electionTimeoutTicks() + random.nextInt(config.electionTimeoutTicks());
        tracker.clear();
        leadTransferee = null;
        uncommitted.clear();
        uncommittedBytes = 0;
        reads.clear();
        noopIndex = Long.MAX_VALUE;
    }

    private void becomeFollower(long newTerm, NodeId newLeader) {
        setTerm(newTerm);
        reset();
        role = Role.FOLLOWER;
        leader = newLeader;
    }

    private void acceptLeader(NodeId from) {
        if (role != Role.FOLLOWER) {
            // A candidate that hears from a leader of its own term lost the election (§5.2).
            Invariants.check(role != Role.LEADER, "two leaders in term %s: %s and %s", term, self, from);
            becomeFollower(term, from);
        }
        leader = from;
        electionElapsedTicks = 0;
    }

    private void startElection(boolean transfer) {
        if (hasUnappliedConfigChanges()) {
            // A committed but unapplied membership change means our voter set is stale; counting
            // votes under it could form a majority that misses a newer config's quorum (etcd does
            // the same). We campaign once the driver has applied up to the commit index.
            return;
        }
        quorumMembership = membershipAtLastIndex();
        if (config.preVote() && !transfer) {
            // Dissertation §9.6: ask first whether we could win, without raising anyone's term.
            reset();
            role = Role.PRE_CANDIDATE;
            leader = null;
            tracker.recordVote(self, true);
            if (!checkVotes()) {
                requestVotes(term + 1, true, false);
            }
            return;
        }
        becomeCandidate(transfer);
    }

    /** The applied membership plus every config change in the log after the applied index. */
    private Membership membershipAtLastIndex() {
        Membership[] m = {membership};
        log.scan(log.appliedIndex() + 1, log.lastIndex(), config.appendBytesMax(), e -> {
            if (e.type() == EntryType.CONFIG_CHANGE) {
                try {
                    m[0] = m[0].apply(ConfigChange.decode(e.data()));
                } catch (IllegalArgumentException ignored) {
                    // Skipped on apply as well; see applyConfigChange.
                }
            } else if (e.type() == EntryType.NOOP && e.data().length > 0) {
                m[0] = Membership.decode(e.data());
            }
            return true;
        });
        return m[0];
    }

    private boolean hasUnappliedConfigChanges() {
        return !log.scan(log.appliedIndex() + 1, log.commitIndex(), config.appendBytesMax(),
                e -> e.type() != EntryType.CONFIG_CHANGE);
    }

    private void becomeCandidate(boolean transfer) {
        if (hasUnappliedConfigChanges()) {
            return;
        }
        quorumMembership = membershipAtLastIndex();
        setTerm(term + 1);
        reset();
        role = Role.CANDIDATE;
        leader = null;
        votedFor = self;
        tracker.recordVote(self, true);
        if (!checkVotes()) {
            requestVotes(term, false, transfer);
        }
    }

    private void requestVotes(long voteTerm, boolean preVote, boolean transfer) {
        // The log's voters count; the applied ones are asked as well (as before the log's
        // membership counted), because every answer carries the voter's commit index, which
        // can tell us that changes in our log committed (handleVoteResponse).
        TreeSet<NodeId> voters = new TreeSet<>(membership.voters());
        voters.addAll(quorumMembership.voters());
        for (NodeId v : voters) {
            if (!v.equals(self)) {
                send(new VoteRequest(config.groupId(), self, v, voteTerm, log.lastIndex(), log.lastTerm(), preVote, transfer));
            }
        }
    }

    /** Tallies votes; returns true if the election was decided (won or lost). */
    private boolean checkVotes() {
        ProgressTracker.VoteResult result = tracker.tally(quorumMembership);
        if (result == ProgressTracker.VoteResult.WON && role == Role.CANDIDATE && !tracker.grantedByAnother()
                && membership.voters().stream().anyMatch(v -> !v.equals(self))) {
            // Our own vote alone is a quorum of the membership at the end of our log, but another
            // voter of the applied membership may still campaign and count us. Our vote is not
            // durable yet; leading now and crashing would let us vote again in this term, for it
            // (seed 341568). Another voter's answer can only come after our vote is durable
            // (vote requests leave after persist), so we wait for one.
            result = ProgressTracker.VoteResult.PENDING;
        }
        switch (result) {
            case WON -> {
                if (role == Role.PRE_CANDIDATE) {
                    becomeCandidate(false);
                } else {
                    becomeLeader();
                }
                return true;
            }
            case LOST -> {
                becomeFollower(term, null);
                return true;
            }
            case PENDING -> {
                return false;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    private void becomeLeader() {
        Invariants.check(role == Role.CANDIDATE, "only a candidate becomes leader, was %s", role);
        reset();
        role = Role.LEADER;
        leader = self;
        quorumMembership = membershipAtLastIndex();
        tracker.sync(membership, quorumMembership, log.lastIndex() + 1);
        // A config change of an earlier term may still be in the log uncommitted; refuse new
        // ones until it is applied so that at most one change is ever in flight.
        pendingConfigIndex = log.lastIndex();
        // Raft §5.4.2 / §8: a leader cannot count replicas of earlier-term entries, so it commits
        // an entry of its own term first; that commits everything before it.
        // The no-op carries the membership in effect at its position, so a node that joins with
        // no membership learns it by applying the log.
        Entry noop = new Entry(term, log.lastIndex() + 1, EntryType.NOOP, quorumMembership.encode());
        log.appendLocal(noop);
        noopIndex = noop.index();
        replicator.broadcastAppend(term, true);
    }

    // ------------------------------------------------------------------ elections

    private void handleVoteRequest(VoteRequest v) {
        boolean canVote = Objects.equals(votedFor, v.from())
                || (votedFor == null && leader == null)
                || (v.preVote() && v.term() > term);
        // A repairing node's log no longer shows every entry it acknowledged, so the election
        // restriction checked against it could let a candidate win without a committed entry:
        // it checks the candidate against its last entry from before the cut as well.
        boolean grant = canVote && log.isUpToDate(v.lastLogIndex(), v.lastLogTerm())
                && (votesWithheldUntilIndex == 0 || v.lastLogTerm() > votesWithheldUntilTerm
                    || (v.lastLogTerm() == votesWithheldUntilTerm && v.lastLogIndex() >= votesWithheldUntilIndex));
        if (grant) {
            if (v.preVote()) {
                send(new VoteResponse(config.groupId(), self, v.from(), v.term(), true, true, log.commitIndex(), log.term(log.commitIndex())));
            } else {
                Invariants.check(votedFor == null || votedFor.equals(v.from()), "second vote in term %s", term);
                votedFor = v.from();
                electionElapsedTicks = 0;
                // The vote must be durable before the candidate hears of it, or a crash could
                // let us vote twice in this term (Raft §5.2, Figure 2).
                messagesAfterPersist.add(new VoteResponse(config.groupId(), self, v.from(), term, false, true, log.commitIndex(), log.term(log.commitIndex())));
            }
        } else {
            send(new VoteResponse(config.groupId(), self, v.from(), term, v.preVote(), false, log.commitIndex(), log.term(log.commitIndex())));
        }
    }

    private void handleVoteResponse(VoteResponse r) {
        // A committed prefix is a fact about the log, whoever reports it: if we hold the same
        // entry at that index, everything up to it is committed. A removed node cannot vote for
        // us usefully, but this way it still tells us that its removal committed, so we apply it
        // and count votes under the new membership (otherwise a removed node with a longer,
        // uncommitted tail could block the only electable candidate forever).
        // A leader moves its commit only by counting entries of its own term (§5.4.2), which keeps
        // that rule checkable; late answers from its election teach it nothing it needs.
        if (role != Role.LEADER && r.commit() > log.commitIndex() && r.commit() <= log.lastIndex()
                && log.matchTerm(r.commit(), r.commitTerm())) {
            log.commitTo(r.commit());
        }
        boolean current = (role == Role.PRE_CANDIDATE && r.preVote()) || (role == Role.CANDIDATE && !r.preVote());
        if (!current) {
            return;
        }
        tracker.recordVote(r.from(), r.granted());
        checkVotes();
    }

    // ------------------------------------------------------------------ follower side

    private void handleAppend(AppendRequest a) {
        // Only a follower appends what a leader sends; a leader never rewrites its own log.
        Invariants.check(role == Role.FOLLOWER, "%s appends from %s as %s in term %s", self, a.from(), role, term);
        if (a.prevLogIndex() < log.commitIndex()) {
            // Everything up to our commit index matches the leader (Leader Completeness); say so,
            // after persist because committed entries may still be in flight to our disk.
            messagesAfterPersist.add(new AppendResponse(config.groupId(), self, a.from(), term, true, log.commitIndex(), 0, 0));
            return;
        }
        if (log.matchTerm(a.prevLogIndex(), a.prevLogTerm())) {
            long lastNew = a.prevLogIndex() + a.entries().size();
            List<Entry> entries = a.entries();
            if (!entries.isEmpty()) {
                Invariants.check(entries.get(0).index() == a.prevLogIndex() + 1, "append entries do not follow prev: %s", a);
                log.appendFromLeader(entries);
            }
            log.commitTo(Math.min(a.commit(), lastNew));
            maybeLiftVoteWithholding();
            // Raft's acknowledgement means "durable here": sending it before the fsync would let
            // the leader count a replica that a crash can still lose.
            messagesAfterPersist.add(new AppendResponse(config.groupId(), self, a.from(), term, true, lastNew, 0, 0));
            return;
        }
        long hintIndex = log.findConflictByTerm(Math.min(a.prevLogIndex(), log.lastIndex()), a.prevLogTerm());
        send(new AppendResponse(config.groupId(), self, a.from(), term, false, a.prevLogIndex(), hintIndex, log.term(hintIndex)));
    }

    private void handleHeartbeat(Heartbeat h) {
        // The leader caps the commit at our known match, so these entries are the leader's.
        log.commitTo(Math.min(h.commit(), log.lastIndex()));
        maybeLiftVoteWithholding();
        send(new HeartbeatResponse(config.groupId(), self, h.from(), term, h.readRound()));
        if (h.commit() > log.lastIndex()) {
            // The leader caps the commit it sends at what we acknowledged, so we lost acknowledged
            // entries (a log cut at damaged data). Say so, or an idle leader never resends them.
            long hintIndex = log.lastIndex();
            send(new AppendResponse(config.groupId(), self, h.from(), term, false, h.commit(), hintIndex,
                    log.term(hintIndex)));
        }
    }

    private void handleSnapshot(InstallSnapshot s) {
        Invariants.check(role == Role.FOLLOWER, "%s installs a snapshot from %s as %s", self, s.from(), role);
        Snapshot snap = s.snapshot();
        if (snap.index() <= log.commitIndex()) {
            messagesAfterPersist.add(new AppendResponse(config.groupId(), self, s.from(), term, true, log.commitIndex(), 0, 0));
            return;
        }
        if (log.matchTerm(snap.index(), snap.term())) {
            // We already hold the snapshot's last entry, so our log covers it: just commit.
            log.commitTo(snap.index());
            maybeLiftVoteWithholding();
        } else {
            log.restore(snap);
            membership = snap.metadata().membership();
            pendingConfigIndex = 0;
        }
        messagesAfterPersist.add(new AppendResponse(config.groupId(), self, s.from(), term, true, snap.index(), 0, 0));
    }

    // ------------------------------------------------------------------ leader side

    private void handleAppendResponse(AppendResponse r) {
        if (role != Role.LEADER) {
            return;
        }
        Progress pr = tracker.get(r.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        if (!r.success()) {
            replicator.rejected(term, r, pr);
            return;
        }
        if (replicator.acknowledged(r, pr)) {
            maybeCommitAndBroadcast();
        }
        replicator.sendFollowing(term, r.from(), pr);
        if (pr.sentCommit < Math.min(pr.match, log.commitIndex())) {
            // The commit advanced while this follower's appends were in flight: tell it when the
            // Ready is collected (an append proposed before then carries it instead).
            commitNoticesDue = true;
        }
        if (r.from().equals(leadTransferee) && pr.match == log.lastIndex()) {
            send(new TimeoutNow(config.groupId(), self, r.from(), term, log.commitIndex()));
        }
    }

    private void handleHeartbeatResponse(HeartbeatResponse r) {
        if (role != Role.LEADER) {
            return;
        }
        Progress pr = tracker.get(r.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        replicator.heartbeatAnswered(term, r.from(), pr);
        if (r.from().equals(leadTransferee) && pr.match == log.lastIndex()) {
            // TimeoutNow may have been lost; repeat it while the transfer is pending.
            send(new TimeoutNow(config.groupId(), self, r.from(), term, log.commitIndex()));
        }
        if (r.readRound() > 0 && pr.voter) {
            reads.ack(r.from(), r.readRound());
            readStates.addAll(reads.confirmed(membership, self));
        }
    }

    /**
     * Sends the commit notices deferred since the commit advanced or a follower caught up to it
     * (see {@link Replicator#sendCommitNotices}); deferred so a proposal made meanwhile carries
     * the commit index instead of an empty append.
     */
    private void sendDueCommitNotices() {
        if (commitNoticesDue) {
            commitNoticesDue = false;
            if (role == Role.LEADER) {
                replicator.sendCommitNotices(term);
            }
        }
    }

    /** Commits by counting replicas of current-term entries only (§5.4.2); true if commit advanced. */
    private boolean maybeCommitAndBroadcast() {
        long candidate = tracker.quorumMatch(quorumMembership, log.stableIndex());
        // Figure 8: an entry of an earlier term replicated on a majority can still be overwritten,
        // so only an entry of the current term may be committed by counting.
        if (candidate > log.commitIndex() && log.term(candidate) == term) {
            log.commitTo(candidate);
            while (!uncommitted.isEmpty() && uncommitted.peekFirst()[0] <= candidate) {
                uncommittedBytes -= uncommitted.pollFirst()[1];
            }
            // Followers hear of the commit from the next append, or from the notices sent when the
            // driver collects the Ready (see Replicator.sendCommitNotices).
            commitNoticesDue = true;
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ membership

    private void applyConfigChange(ConfigChange change) {
        Membership next;
        try {
            next = membership.apply(change);
        } catch (IllegalArgumentException e) {
            // Every member applies the same committed sequence, so skipping an inapplicable
            // change keeps them in agreement. The leader refuses such proposals up front.
            return;
        }
        setMembership(next);
    }

    private void setMembership(Membership next) {
        membership = next;
        if (role == Role.LEADER) {
            for (NodeId added : tracker.sync(membership, quorumMembership, log.lastIndex() + 1)) {
                replicator.sendAppend(term, added, tracker.get(added), true);
            }
            if (!membership.isVoter(self)) {
                // Dissertation §4.2.2: a removed leader steps down once the change is committed.
                // It hands over instead of just stopping: the remaining voters may not yet know
                // the removal committed (it is applied on commit), and its heartbeats keep them
                // in their leader lease, so only TimeoutNow lets one of them campaign now. The
                // higher term of that election makes this node a follower.
                handOverFromRemovedLeader();
                return;
            }
            // Removing a voter can shrink the quorum and so commit waiting entries.
            maybeCommitAndBroadcast();
        }
    }

    /** Picks the most caught-up remaining voter and transfers leadership to it. */
    private void handOverFromRemovedLeader() {
        NodeId best = tracker.mostCaughtUpVoter();
        if (best == null) {
            becomeFollower(term, null);
            return;
        }
        leadTransferee = best;
        electionElapsedTicks = 0;
        Progress pr = tracker.get(best);
        if (pr.match == log.lastIndex()) {
            send(new TimeoutNow(config.groupId(), self, best, term, log.commitIndex()));
        } else {
            replicator.sendAppend(term, best, pr, true);
        }
    }

    private void send(RaftMessage m) {
        messages.add(m);
    }
}
