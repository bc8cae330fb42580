package io.cairn.server.replica;

import io.cairn.storage.DurableFiles;
import io.cairn.core.GroupId;
import io.cairn.core.Invariants;
import io.cairn.core.NodeId;
import io.cairn.core.partition.ApplyResult;
import io.cairn.core.partition.IdempotencyWindow;
import io.cairn.core.partition.PartitionCodec;
import io.cairn.core.partition.PartitionCommand;
import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionCommand.DeleteBefore;
import io.cairn.core.partition.PartitionCommand.DeleteReason;
import io.cairn.core.partition.PartitionCommand.GroupCommit;
import io.cairn.core.partition.PartitionCommand.RecordBatch;
import io.cairn.core.partition.PartitionLimits;
import io.cairn.core.partition.PartitionStateMachine;
import io.cairn.core.raft.Durability;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.HardState;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.PeerProgress;
import io.cairn.core.raft.ProposeResult;
import io.cairn.core.raft.RaftConfig;
import io.cairn.core.raft.RaftMessage;
import io.cairn.core.raft.RaftNode;
import io.cairn.core.raft.RaftStorage.InitialState;
import io.cairn.core.raft.RandomSource;
import io.cairn.core.raft.Ready;
import io.cairn.core.raft.Rejected;
import io.cairn.core.raft.Role;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionFactory.PartitionSpec;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.storage.CorruptLogException;
import io.cairn.storage.Deletion;
import io.cairn.storage.DiskFullException;
import io.cairn.storage.LogClosedException;
import io.cairn.storage.LogConfig;
import io.cairn.storage.LogDamage;
import io.cairn.storage.SegmentLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One partition replica: a Raft group member whose log is the partition's {@link SegmentLog},
 * applying committed entries to a {@link PartitionStateMachine}.
 *
 * <p><b>Threads.</b> Callers (HTTP event loops, the registry) only enqueue and read published
 * values. Everything else (the RaftNode, the state machine, log writes, the bookkeeping of
 * pending requests) happens in {@link #runRound()} on the replica's {@link GroupThread}.
 *
 * <p><b>A round</b> (see {@link #handleReady(Ready)} for one Ready): step peer messages; then until
 * nothing changes: handle every Ready, report what the flusher made durable, propose queued
 * commits and one coalesced batch; finally answer requests whose write concern is met and publish
 * the high watermark. Group commit: while the last batch entry is not yet fsynced, produce
 * requests wait in the queue, so everything that arrives during one fsync becomes one entry
 * covered by the next fsync.
 *
 * <p><b>Dedupe.</b> Before proposing, each record's idempotency key is looked up in this batch,
 * in the keys of proposed-but-unapplied entries, and in the state machine's window; a hit answers
 * with the first offset and {@code duplicate=true} once the owning entry meets the write concern.
 * Writes are accepted only when this node leads and has applied its term's no-op, so every
 * earlier entry (and every key in it) is already in the window.
 */
public final class PartitionReplica implements PartitionHandle {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionReplica.class);
    /** Commits and delete-befores have no timeout of their own in the API; this bounds their wait. */
    private static final long CONTROL_TIMEOUT_MS = 10_000;
    /** Peer messages queued for the group thread; beyond this they are dropped (Raft tolerates loss). */
    private static final int INBOX_MAX = 10_000;
    /** Ticks between checks of request deadlines, segment age and a retried segment deletion. */
    private static final int HOUSEKEEPING_TICKS = 5;
    private static final int SLOW_HOUSEKEEPING_TICKS = 100;
    /** Bound on loop iterations of one round before yielding the thread to other groups. */
    private static final int ROUND_STEPS_MAX = 64;
    /**
     * Batch entries one round may propose back to back, in multiples of
     * {@link ReplicaOptions#batchBytesMax()}, before group commit holds the rest for the next
     * fsync. One entry per fsync capped large-batch produce at one batchBytesMax per fsync (with
     * 64 NDJSON writers, most of the queue waited a whole fsync per MiB); this way one fsync
     * covers up to this many entries, and the cap keeps a round (and a follower's append window)
     * bounded.
     */
    private static final int ROUND_BATCH_ENTRIES_MAX = 4;
    private static final int IDEMPOTENCY_KEY_BYTES_MAX = 256;
    /**
     * The scrub after open reads at most this many bytes per second, so a restart that scrubs
     * gigabytes does not starve producers and catch-up of disk bandwidth.
     */
    private static final long SCRUB_BYTES_PER_SECOND_MAX = 64L << 20;
    /** After ENOSPC, a one-voter group retries its election this often (in ticks) until the log takes writes again. */
    private static final int DISK_FULL_RETRY_TICKS = 20;
    /**
     * Entry bytes in one append message to a follower (at least one entry is always sent). A
     * follower that is far behind gets MiB-sized messages, each written with one write and covered
     * by at most one fsync; well below the peer transport's 32 MiB frame bound.
     */
    static final long APPEND_BYTES_MAX = 4L << 20;
    /**
     * Entry bytes sent to one follower and not yet acknowledged (the pipelining window). Several
     * messages in flight let the follower write and fsync one part while the next is on the wire;
     * half the peer queue's 64 MiB, so one catching-up group cannot make the transport drop
     * other groups' messages. This is also what a catching-up follower holds in memory per group
     * (its inbox and not-yet-written entries).
     */
    static final long INFLIGHT_BYTES_MAX = 32L << 20;
    /**
     * Entry bytes of received appends stepped in one round. A catching-up follower finds a whole
     * window (many MiB) in its inbox at once; taking it in parts makes each part its own Ready,
     * written and then acknowledged as soon as the flusher's fsync covers it, so the leader
     * refills the window while this node still writes and fsyncs the rest, instead of both
     * sides taking turns.
     */
    static final long ROUND_APPEND_BYTES_MAX = 8L << 20;
    /** Append messages in flight to one follower; small live appends are bounded by this, big ones by bytes. */
    static final int INFLIGHT_MESSAGES_MAX = 256;

    private final String topic;
    private final int partition;
    private final ReplicaRuntime rt;
    private final GroupThread thread;
    private final PartitionSpec spec;
    private final NodeId self;
    private final RaftConfig raftConfig;
    private final RandomSource random;
    private final FileStore fileStore;
    private final SegmentLog log;
    private final HardStateFile hardStateFile;
    private final SnapshotKeeper snapshots;
    private final RaftLogView view;
    private final PartitionReader reader;
    private final RepairMarker repairMarker;
    /** The founding membership, restored when a repair leaves no snapshot to take it from. */
    private final Membership bootstrapMembership;

    // ---- owned by the group thread ----
    private RaftNode raft;
    private PartitionStateMachine sm;
    private HardState persistedHardState;
    /** Membership as of the last applied entry: what a snapshot of the applied state must carry. */
    private Membership appliedMembership;
    /** Entries this replica proposed and has not yet seen applied, in index order. */
    private final ArrayDeque<Proposal> proposals = new ArrayDeque<>();
    private final AwaitingWrites awaiting;
    /** Group resumes waiting for a quorum to confirm this node still leads (ReadIndex). */
    private final LeaderReads leaderReads;
    /** What {@link #awaiting} asks about durability, always about the current RaftNode. */
    private final AwaitingWrites.Progress progressView = new AwaitingWrites.Progress() {
        @Override
        public Durability durability(long index, long term) {
            return raft.durability(index, term);
        }

        @Override
        public long durableIndex() {
            return log.durableIndex();
        }

        @Override
        public long lastIndex() {
            return log.lastIndex();
        }

        @Override
        public long appliedIndex() {
            return sm.appliedIndex();
        }
    };
    private final ProduceBatcher batcher = new ProduceBatcher();
    /** Frames read for appends (leader) or received with them (follower), so entries travel as bytes. */
    private final ReplicationFrames frames = new ReplicationFrames(INFLIGHT_BYTES_MAX + APPEND_BYTES_MAX);
    /** Readys whose writes are not yet known durable, in Ready order. */
    private final ArrayDeque<PersistWait> persistWaits = new ArrayDeque<>();
    /**
     * The Readys' after-persist messages (append acks, vote grants), in Ready order, waiting until
     * the log is durable up to their index. Shared: the flusher thread sends them the moment its
     * fsync lands, so a follower's ack does not wait for the group thread to be scheduled (on a
     * busy machine that wake-up costs milliseconds on every commit). Guarded by itself; bounded
     * like {@link #persistWaits}, one element per Ready with such messages.
     */
    private final ArrayDeque<DurableSend> durableSends = new ArrayDeque<>();
    /** Answers decided during this round, given at its end; bounded by the proposals applied in it. */
    private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();
    /**
     * Index of the last batch entry proposed (0 after the log was cut back). Written by the group
     * thread only; volatile so that produce callers can see that a batch is still in flight
     * ({@link #batchInFlight()}).
     */
    private volatile long lastBatchIndex;
    /**
     * The commit index as of this group's last batch decision, or -1 while the group is its only
     * voter (then a batch is in flight until its local fsync, see {@link #batchInFlight()}).
     * Written by the group thread only; volatile for produce callers.
     */
    private volatile long replicatedCommitIndex = -1;
    /** Whether this replica led its group at the end of the last round (read by the flusher's listener). */
    private volatile boolean leading;
    /** Batch entries proposed in the current round; see {@link #ROUND_BATCH_ENTRIES_MAX}. */
    private int roundBatches;
    private long lastLogBytes;
    /** What {@link #leaderReadRefusal} was computed from, so publish() rebuilds it only on a change. */
    private boolean refusalLeads;
    private NodeId refusalLeader;
    private long refusalTerm = -1;
    private long ticks;
    /**
     * Null, or the repair under way as in {@code repair-state}: the last entry before the cut,
     * which this replica withholds its vote against until it holds it again (see
     * {@link ReplicaRepair}). Group thread.
     */
    private RepairMarker.State repair;

    // ---- shared with callers ----
    private final ProduceQueue produceQueue;
    private final ConcurrentLinkedQueue<ControlRequest<?>> controlQueue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedControls = new AtomicInteger();
    private final ConcurrentLinkedQueue<Inbound> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxCount = new AtomicInteger();
    private final AtomicBoolean roundScheduled = new AtomicBoolean();
    private final ConcurrentHashMap<String, Long> committedOffsets = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> readyForWrites = new CompletableFuture<>();
    private final AtomicLong batchesProposed = new AtomicLong();
    private final AtomicLong requestsProposed = new AtomicLong();
    /** The most batch entries one round has proposed (for tests of group commit). */
    private final AtomicLong roundBatchesMax = new AtomicLong();
    private volatile Status status;
    private volatile BrokerException failure;
    private volatile boolean closed;
    /** Set when a log write hit ENOSPC; cleared when entries are appended again. */
    private volatile boolean diskFull;
    /** True while another voter exists, so damage here can be repaired from its leader. */
    private volatile boolean repairable;
    /** At most one repair request queued on the group thread; more would only rescan the same segment. */
    private final AtomicBoolean repairRequested = new AtomicBoolean();
    /**
     * Null while this replica may serve leader reads (a group's resume point, commits): it leads
     * and has applied its term's no-op, so its state machine holds every committed group offset.
     * Otherwise the answer to give (307 to the leader, or 503). A follower or a freshly restarted
     * replica can hold older group offsets than the leader; serving them would let a committed
     * offset appear to move backwards (promise 5). Published by the group thread each round.
     */
    private volatile BrokerException leaderReadRefusal =
            new BrokerException.Unavailable("no_leader", "the partition is opening", 200);

    private PartitionReplica(ReplicaRuntime rt, PartitionSpec spec, GroupId groupId, SegmentLog log,
                             FileStore fileStore, SnapshotKeeper snapshots, HardStateFile hardStateFile,
                             RaftLogView view, PartitionStateMachine sm, HardState persistedHardState,
                             Membership bootstrapMembership, RepairMarker repairMarker, RepairMarker.State repair) {
        this.rt = rt;
        this.spec = spec;
        this.topic = spec.topic();
        this.partition = spec.partition();
        this.self = rt.options.nodeId();
        this.thread = rt.assignGroupThread();
        this.raftConfig = RaftConfig.defaults(groupId, self)
                .withElectionTimeoutTicks(rt.options.electionTimeoutTicks(), rt.options.heartbeatTicks())
                .withInflight(INFLIGHT_MESSAGES_MAX, INFLIGHT_BYTES_MAX, APPEND_BYTES_MAX);
        this.random = RandomSource.seeded(System.nanoTime() ^ groupId.value());
        this.log = log;
        this.fileStore = fileStore;
        this.snapshots = snapshots;
        this.hardStateFile = hardStateFile;
        this.view = view;
        view.setFrames(frames);
        this.sm = sm;
        this.persistedHardState = persistedHardState;
        this.bootstrapMembership = bootstrapMembership;
        this.repairMarker = repairMarker;
        this.repair = repair;
        this.awaiting = new AwaitingWrites(partition, rt.metrics);
        this.leaderReads = new LeaderReads(rt.readers);
        this.produceQueue = new ProduceQueue(rt.options.produceQueueRequestsMax(), rt.options.produceQueueBytesMax());
        snapshots.restoredAt(sm.appliedIndex());
        this.reader = new PartitionReader(partition, log, rt.readers, rt.timer, rt.options.consumeWaitersMax(),
                this::damageFoundByRead);
        for (Map.Entry<String, Long> g : sm.groupOffsets().entrySet()) {
            committedOffsets.put(g.getKey(), g.getValue());
        }
        reader.advance(sm.nextOffset(), sm.logStart());
    }

    /**
     * Opens the replica in {@code spec.dir()}: storage checks the log's tail, the state machine is
     * restored from the newest snapshot, and the RaftNode starts from the durable hard state. A
     * one-voter group campaigns at once; this waits until it leads and has applied its log, so the
     * replica serves reads and writes when this returns.
     */
    static PartitionReplica open(ReplicaRuntime rt, PartitionSpec spec, GroupId groupId, Membership bootstrap)
            throws IOException {
        DurableFiles.createDirectories(spec.dir());
        LogConfig logConfig = LogConfig.defaults().withSegmentBytesMax(spec.settings().segmentBytesMax());
        if (spec.settings().segmentMs() > 0) {
            logConfig = logConfig.withSegmentMs(spec.settings().segmentMs());
        }
        PartitionLimits limits = new PartitionLimits(spec.settings().dedupeWindowMs(),
                (int) Math.min(Integer.MAX_VALUE, spec.settings().dedupeWindowKeysMax()),
                PartitionLimits.GROUPS_MAX_DEFAULT);
        long t0 = System.nanoTime();
        SegmentLog log = SegmentLog.open(spec.dir(), logConfig, rt.flusher);
        long t1 = System.nanoTime();
        try {
            SnapshotKeeper snapshots = new SnapshotKeeper(spec.topic() + "/" + spec.partition(), spec.dir(),
                    rt.options.checkpointIntervalBytes());
            SnapshotFile raftSnapshotFile = snapshots.raftSnapshotFile();
            SnapshotFile checkpointFile = snapshots.checkpointFile();
            HardStateFile hardStateFile = new HardStateFile(spec.dir());
            Optional<Snapshot> raftSnapshot = raftSnapshotFile.read();
            Optional<Snapshot> checkpoint = checkpointFile.read();
            SnapshotMetadata raftMeta = raftSnapshot.map(Snapshot::metadata)
                    .orElse(RaftLogView.emptySnapshot(bootstrap));
            // Restore from the newer of the two; the checkpoint exists only to shorten replay.
            Optional<Snapshot> source = checkpoint.filter(c -> c.index() >= raftMeta.index()).or(() -> raftSnapshot);
            PartitionStateMachine sm = source
                    .map(s -> PartitionStateMachine.restore(s.data(), limits))
                    .orElseGet(() -> new PartitionStateMachine(limits));
            Membership membership = source.map(s -> s.metadata().membership()).orElse(bootstrap);
            Invariants.check(sm.appliedIndex() <= log.lastIndex() || sm.appliedIndex() == raftMeta.index(),
                    "%s: state applied up to index %s but the log ends at %s", spec.dir(), sm.appliedIndex(), log.lastIndex());
            HardState hs = hardStateFile.read().orElse(HardState.EMPTY);
            RepairMarker repairMarker = new RepairMarker(spec.dir());
            RepairMarker.State repair = repairMarker.read().orElse(null);
            HardState initialHs = initialHardState(hs, sm.appliedIndex(), Math.max(log.lastIndex(), raftMeta.index()));
            RaftLogView view = new RaftLogView(log, raftSnapshotFile, raftMeta,
                    new InitialState(initialHs, membership, sm.appliedIndex()),
                    new RecentEntries(RecentEntries.BYTES_MAX_DEFAULT, rt.recentEntryBytes, RecentEntries.NODE_BYTES_MAX_DEFAULT));
            FileStore store = Files.getFileStore(spec.dir());
            long t2 = System.nanoTime();
            long restoredIndex = source.map(Snapshot::index).orElse(0L);
            long toReplay = Math.max(0, log.lastIndex() - restoredIndex);
            PartitionReplica r = new PartitionReplica(rt, spec, groupId, log, store, snapshots, hardStateFile, view, sm, hs,
                    bootstrap, repairMarker, repair);
            r.start(membership);
            r.scheduleScrub();
            long t3 = System.nanoTime();
            LOG.info("opened {}/{} in {} ms: log tail check {} ms, state restore {} ms (index {}), replay of {} entries "
                            + "and election {} ms; high watermark {}", spec.topic(), spec.partition(), (t3 - t0) / 1_000_000,
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, restoredIndex, toReplay, (t3 - t2) / 1_000_000,
                    r.reader.highWatermark());
            return r;
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
    }

    /**
     * The hard state a RaftNode starts from: the durable term and vote, with the commit index
     * raised to what the state machine has applied (applied implies committed; the file's commit
     * is written lazily) and capped at the log's end (a commit beyond it cannot be trusted).
     */
    private static HardState initialHardState(HardState hs, long appliedIndex, long lastIndex) {
        long commit = Math.min(Math.max(hs.commit(), appliedIndex), lastIndex);
        return new HardState(hs.term(), hs.votedFor(), commit);
    }

    private void start(Membership membership) throws IOException {
        this.appliedMembership = membership;
        CompletableFuture<Void> started = new CompletableFuture<>();
        thread.execute(() -> {
            try {
                raft = new RaftNode(raftConfig, view, random);
                if (repair != null) {
                    // A repair was under way when the node stopped: the restriction survives restarts.
                    LOG.warn("{}: resuming the repair of a damaged log; votes withheld until entry {} is committed here",
                            this, repair.untilIndex());
                    raft.withholdVotesUntil(repair.untilIndex(), repair.untilTerm());
                }
                repairable = hasPeers(membership);
                thread.register(this);
                log.setDurableListener(durable -> {
                    // A follower's acks leave right here; the rest of what its fsync unblocks
                    // (telling Raft, handing out committed entries) waits for the round the next
                    // append, commit notice or tick starts anyway. Waking the group thread for it
                    // cost a round and a thread hand-off per entry on every follower. A leader's
                    // fsync can complete a quorum, and a snapshot's acks need the group thread.
                    if (sendDurableMessages(false) || leading) {
                        scheduleRound();
                    }
                });
                lastLogBytes = log.diskBytes();
                rt.diskGuard.adjust(lastLogBytes);
                if (isSingleVoter(membership)) {
                    // No one else can win, so waiting an election timeout would only delay readiness.
                    raft.campaign();
                }
                step();
                started.complete(null);
            } catch (Throwable t) {
                started.completeExceptionally(t);
            }
        });
        try {
            started.get(rt.options.openTimeoutMs(), TimeUnit.MILLISECONDS);
            if (isSingleVoter(membership)) {
                readyForWrites.get(rt.options.openTimeoutMs(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            closeQuietly();
            throw new IOException("opening " + spec.dir() + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            closeQuietly();
            throw new IOException("partition " + topic + "/" + partition + " did not become ready within "
                    + rt.options.openTimeoutMs() + " ms" + (failure == null ? "" : ": " + failure.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly();
            throw new IOException("interrupted while opening " + spec.dir());
        }
    }

    private boolean isSingleVoter(Membership m) {
        return m.voters().size() == 1 && m.isVoter(self);
    }

    /**
     * True when another voter exists: only a leader refills a repaired log, and a replica that is
     * the group's only voter would wait for one forever (it withholds its own candidacy).
     */
    private boolean hasPeers(Membership m) {
        for (NodeId n : m.voters()) {
            if (!n.equals(self)) {
                return true;
            }
        }
        return false;
    }

    // =====================================================================================
    // Caller-facing API (any thread)
    // =====================================================================================

    @Override
    public CompletableFuture<ProduceResult> produce(List<ProduceRecord> records, Acks acks, long timeoutMs) {
        return produce(records, acks, timeoutMs, null);
    }

    @Override
    public CompletableFuture<ProduceResult> produce(List<ProduceRecord> records, Acks acks, long timeoutMs,
                                                    java.util.concurrent.Executor answerOn) {
        BrokerException refused = refuseWrites();
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        if (records == null || records.isEmpty()) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("empty_batch", "a produce needs at least one record"));
        }
        if (timeoutMs < 1) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_argument", "timeout_ms must be >= 1"));
        }
        for (ProduceRecord r : records) {
            if (r.value() == null) {
                return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_record", "a record needs a value"));
            }
            if (r.value().length > spec.settings().recordBytesMax()) {
                return CompletableFuture.failedFuture(new BrokerException.BadRequest("record_too_large",
                        "record value of " + r.value().length + " bytes exceeds " + spec.settings().recordBytesMax()));
            }
            if (r.idempotencyKey() != null && (r.idempotencyKey().isEmpty()
                    || r.idempotencyKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > IDEMPOTENCY_KEY_BYTES_MAX)) {
                return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_idempotency_key",
                        "idempotency key must be 1.." + IDEMPOTENCY_KEY_BYTES_MAX + " bytes"));
            }
        }
        ProduceRequest req = new ProduceRequest(List.copyOf(records), Objects.requireNonNull(acks, "acks"), timeoutMs, System.nanoTime(),
                answerOn);
        if (!produceQueue.offer(req)) {
            return CompletableFuture.failedFuture(new BrokerException.Overloaded("partition " + topic + "/" + partition
                    + " has " + rt.options.produceQueueRequestsMax() + " requests or "
                    + rt.options.produceQueueBytesMax() + " bytes queued; retry shortly"));
        }
        // Group commit: while the last batch is in flight, the round that proposes what is queued
        // is scheduled by whatever ends the flight (the flusher's listener when the fsync lands;
        // a follower's ack arriving in the inbox when the batch commits). Waking the group thread
        // for every arrival meanwhile cost a futex wake and an idle round per request. No lost
        // wake-up: the request is queued before the check, and the group thread moves the index
        // the check reads before it looks at the queue.
        if (!batchInFlight()) {
            scheduleRound();
        }
        return req.future;
    }

    @Override
    public CompletableFuture<ConsumeResult> consume(long offset, int limit, long maxBytes, long waitMs) {
        // Any replica may serve records: it serves only what it knows is committed, and a committed
        // record never changes, so a follower's page is a (possibly shorter) prefix of the leader's.
        return reader.consume(offset, limit, maxBytes, waitMs);
    }

    @Override
    public CompletableFuture<CommitResult> commit(String group, long offset) {
        if (group == null || group.isEmpty()) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_group", "group must not be empty"));
        }
        if (offset < 0) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_offset", "offset must be >= 0"));
        }
        // Leadership first: a follower's high watermark can lag (or be unknown after a restart), and
        // judging the offset against it would turn a valid commit into a definite 400.
        BrokerException refusal = leaderReadRefusal;
        if (refusal != null) {
            return CompletableFuture.failedFuture(refusal);
        }
        long hw = reader.highWatermark();
        if (offset >= hw) {
            // The high watermark only grows, so an offset below it now stays valid until the commit applies.
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("offset_out_of_range",
                    "offset " + offset + " is at or beyond the high watermark " + hw + " of " + topic + "/" + partition
                    + "; commit the last record you processed"));
        }
        return enqueueControl(new ControlRequest<>(new GroupCommit(group, offset), deadline(CONTROL_TIMEOUT_MS)));
    }

    /**
     * A linearizable read (Raft ReadIndex): answered only once a quorum confirmed that this node
     * still led when the read arrived, and its state applied everything committed by then. A leader
     * that was paused or partitioned and does not yet know it was deposed would otherwise answer
     * from its stale state, and a resuming consumer would go back to an older commit (promise 5).
     */
    @Override
    public CompletableFuture<Long> leaderCommittedOffset(String group) {
        BrokerException refusal = closed ? refuseWrites() : failure != null ? failure : leaderReadRefusal;
        if (refusal != null) {
            // Fast refusal for followers; a node that believes it leads is checked with a quorum below.
            return CompletableFuture.failedFuture(refusal);
        }
        CompletableFuture<Long> f = leaderReads.submit(group);
        scheduleRound();
        return f;
    }

    @Override
    public long committedOffset(String group) {
        return committedOffsets.getOrDefault(group, -1L);
    }

    @Override
    public Map<String, Long> groupOffsets() {
        return Map.copyOf(committedOffsets);
    }

    @Override
    public CompletableFuture<DeleteBeforeResult> deleteBefore(long offset) {
        if (offset < 0) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_offset", "before_offset must be >= 0"));
        }
        return enqueueControl(new ControlRequest<>(new DeleteBefore(offset, DeleteReason.EXPLICIT), deadline(CONTROL_TIMEOUT_MS)));
    }

    @Override
    public Status status() {
        Status s = status;
        return s != null ? s : new Status(partition, null, 0, reader.logStart(), reader.highWatermark(), 0, 0, List.of(), List.of());
    }

    @Override
    public List<PartitionHandle.SegmentInfo> segments() {
        if (thread.isCurrentThread()) {
            return listSegments();
        }
        CompletableFuture<List<PartitionHandle.SegmentInfo>> f = new CompletableFuture<>();
        try {
            // Segment state belongs to the log's writer, which is the group thread.
            thread.execute(() -> {
                try {
                    f.complete(listSegments());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
            return f.get(30, TimeUnit.SECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            throw new BrokerException.Unavailable("unavailable", "segments of " + topic + "/" + partition
                    + " could not be listed: " + e, 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException.Unavailable("unavailable", "interrupted", 1000);
        }
    }

    private List<PartitionHandle.SegmentInfo> listSegments() {
        List<PartitionHandle.SegmentInfo> out = new ArrayList<>();
        for (io.cairn.storage.SegmentInfo s : log.segmentInfos()) {
            out.add(new PartitionHandle.SegmentInfo(s.baseOffset(), s.endOffset(), s.diskBytes(),
                    s.endOffset() > s.baseOffset() ? s.maxTimestampMs() : -1, s.sealed()));
        }
        return out;
    }

    /**
     * Hands a message from a peer to this group (called by the peer transport on any thread).
     * Dropped when {@link #INBOX_MAX} messages are already waiting: Raft retries.
     */
    public void deliver(RaftMessage message) {
        deliver(message, null);
    }

    /**
     * Like {@link #deliver(RaftMessage)}, for an append that came with its entries' storage frames
     * (frame {@code k} is entry {@code k}); those bytes are appended as they are.
     */
    public void deliver(RaftMessage message, io.cairn.storage.FrameChunk entryFrames) {
        if (closed || inboxCount.incrementAndGet() > INBOX_MAX) {
            inboxCount.decrementAndGet();
            return;
        }
        inbox.add(new Inbound(message, entryFrames));
        scheduleRound();
    }

    /** A peer message waiting for the group thread, with the frames its entries arrived in (or null). */
    private record Inbound(RaftMessage message, io.cairn.storage.FrameChunk frames) {}

    /** Counters for tests and the group-commit report: batch entries and the requests they carried. */
    record Stats(long batchEntries, long produceRequests, long fsyncs, long lastIndex, long roundBatchEntriesMax) {}

    /** Runs {@code task} on this replica's group thread (tests hold the thread to fill queues). */
    void runOnGroupThread(Runnable task) {
        thread.execute(task);
    }

    Stats stats() {
        return new Stats(batchesProposed.get(), requestsProposed.get(), rt.flusher.fsyncCount(), log.lastIndex(),
                roundBatchesMax.get());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (thread.isCurrentThread()) {
            closeOnThread();
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    closeOnThread();
                } finally {
                    done.complete(null);
                }
            });
            done.get(30, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            closeOnThread();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("closing {}/{} did not finish cleanly: {}", topic, partition, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "replica " + topic + "/" + partition;
    }

    // =====================================================================================
    // Group thread
    // =====================================================================================

    private <T> CompletableFuture<T> enqueueControl(ControlRequest<T> c) {
        BrokerException refused = refuseWrites();
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        if (queuedControls.incrementAndGet() > rt.options.controlQueueMax()) {
            queuedControls.decrementAndGet();
            return CompletableFuture.failedFuture(new BrokerException.Overloaded("partition " + topic + "/" + partition
                    + " has " + rt.options.controlQueueMax() + " commits or deletions queued; retry shortly"));
        }
        controlQueue.add(c);
        scheduleRound();
        return c.future;
    }

    private BrokerException refuseWrites() {
        if (closed) {
            return new BrokerException.Unavailable("closed", "partition " + topic + "/" + partition + " is closed", 1000);
        }
        return failure;
    }

    private static long deadline(long timeoutMs) {
        return System.nanoTime() + timeoutMs * 1_000_000L;
    }

    /**
     * True while the last proposed batch entry has not finished its trip (any thread): for a
     * group that is its only voter, until it is fsynced; with other voters, until it is committed.
     * Gating a replicated group on its leader's fsync alone proposed a new batch every local fsync
     * (~1 ms) while each took a whole replication round (several ms): three or four records per
     * entry, and every entry costs an fsync on each replica and messages both ways, which on a
     * 2-core box made CPU the limit at 6,800 msg/s. Waiting for the commit lets every request that
     * arrives during one round trip share the next entry.
     */
    private boolean batchInFlight() {
        long batch = lastBatchIndex;
        if (batch == 0) {
            return false;
        }
        long commit = replicatedCommitIndex;
        return batch > (commit < 0 ? log.durableIndex() : commit);
    }

    private void scheduleRound() {
        if (roundScheduled.compareAndSet(false, true)) {
            try {
                thread.execute(this::runRound);
            } catch (RejectedExecutionException e) {
                roundScheduled.set(false);
            }
        }
    }

    private void runRound() {
        roundScheduled.set(false);
        if (closed) {
            return;
        }
        step();
    }

    /** Called by the group thread every tick. */
    void onTick() {
        if (closed || raft == null) {
            return;
        }
        if (failure == null) {
            // Messages that arrived while this thread was busy go in before logical time moves on.
            // Ticking first let a thread that had been starved of CPU for a while (and then gets
            // its overdue ticks) time out a leader whose appends were already in its inbox, or
            // depose itself as leader with its followers' acks unread: an election under load.
            try {
                stepInbox();
            } catch (Throwable t) {
                roundFailed(t); // As in a round: damaged data met while stepping is repaired from peers.
                return;
            }
        }
        ticks++;
        try {
            raft.tick();
        } catch (RuntimeException e) {
            if (corruptionIn(e) == null) {
                throw e; // As before: the group thread logs it and goes on ticking.
            }
            // A leader's heartbeat may read entries for a lagging follower and hit damaged data.
            roundFailed(e);
            return;
        }
        if (diskFull && ticks % DISK_FULL_RETRY_TICKS == 0 && raft.role() != Role.LEADER
                && isSingleVoter(raft.membership())) {
            raft.campaign();
        }
        if (ticks % HOUSEKEEPING_TICKS == 0) {
            expireDeadlines(System.nanoTime());
        }
        if (ticks % SLOW_HOUSEKEEPING_TICKS == 0 && failure == null) {
            try {
                log.rollIfDue();
                if (snapshots.deletionPending()) {
                    compactAndDeleteSegments();
                }
            } catch (IOException e) {
                LOG.warn("{}: housekeeping failed: {}", this, e.toString());
            }
        }
        // Idle groups skip the round: thousands of partitions tick 100 times a second.
        if (raft.hasReady() || !persistWaits.isEmpty() || !awaiting.isEmpty() || !produceQueue.isEmpty()
                || !controlQueue.isEmpty() || !deferred.isEmpty() || leaderReads.hasWork() || log.failure() != null) {
            step();
        }
    }

    /** One round; a failure in it stops writes to this replica (reads go on). */
    private void step() {
        if (failure != null) {
            return;
        }
        if (log.failure() != null) {
            // A failed fsync is never retried (the kernel may have dropped the pages): stop writes.
            failReplica(log.failure());
            return;
        }
        try {
            stepInbox();
            boolean progress = true;
            int steps = 0;
            roundBatches = 0;
            while (progress && steps++ < ROUND_STEPS_MAX) {
                // Proposals before the Ready: an acknowledgement stepped in just now may have
                // committed the last batch, and the next batch's appends then carry the commit
                // index to the followers; collecting the Ready first would send each of them an
                // empty append (and draw an answer) just to say so.
                progress = notifyPersisted();
                progress |= proposeControls();
                progress |= proposeBatch();
                progress |= leaderReads.start(raft, this::readRefusal);
                progress |= drainReadies();
            }
            if (progress || !inbox.isEmpty()) {
                scheduleRound(); // Yield to other groups on this thread; continue next round.
            }
            maybeCheckpoint();
            maybeFinishRepair();
            // Publish before answering, so a caller that got its answer sees the new status.
            publish();
            completeAwaiting();
            runDeferred();
            leaderReads.settle(raft, sm.appliedIndex(), sm::committedOffset, this::notLeaderForReads);
        } catch (Throwable t) {
            roundFailed(t);
        }
    }

    /**
     * A round failed. Damaged stored data on a replica with peers is repaired from them; anything
     * else (and damage on a single voter, which has no one to repair from) stops writes.
     */
    private void roundFailed(Throwable t) {
        CorruptLogException damage = corruptionIn(t);
        if (damage != null && repairable && failure == null && !closed) {
            try {
                if (repairFrom(damage.file())) {
                    scheduleRound();
                    return;
                }
            } catch (Throwable repairFailure) {
                t.addSuppressed(repairFailure);
            }
        }
        failReplica(t);
    }

    private static CorruptLogException corruptionIn(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CorruptLogException e) {
                return e;
            }
        }
        return null;
    }

    // ---- repair of damaged data (see ReplicaRepair and README-replica.md) ----

    /**
     * A consume read hit damaged data (reader thread). With peers, the replica repairs itself and
     * the reader answers 503 so the client retries (here, or at another replica); alone, the
     * damage is reported as a storage failure. Wrong data is never served: every read checks CRCs.
     */
    private BrokerException damageFoundByRead(CorruptLogException e) {
        if (!repairable) {
            return new BrokerException.StorageFailed("partition " + topic + "/" + partition + " has damaged data and no "
                    + "peer to repair it from: " + e.getMessage());
        }
        requestRepair(e.file());
        return new BrokerException.Unavailable("repairing", "partition " + topic + "/" + partition
                + " found damaged data on this node and is repairing it from its peers; retry", 1000);
    }

    /** Any thread: look for damage in {@code file} and repair it, on the group thread. */
    void requestRepair(Path file) {
        if (closed || !repairRequested.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(() -> {
                repairRequested.set(false);
                if (closed || failure != null || raft == null) {
                    return;
                }
                try {
                    repairFrom(file);
                    step();
                } catch (Throwable t) {
                    failReplica(t);
                }
            });
        } catch (RejectedExecutionException e) {
            repairRequested.set(false);
        }
    }

    /**
     * Once after open, a replica with peers scrubs its whole log on the node's scrub thread:
     * sealed segments are not read at open (fast restart), so damage there would otherwise wait
     * for a read to find it. The scrub holds the log's read lock one segment at a time.
     */
    private void scheduleScrub() {
        if (!repairable) {
            return;
        }
        try {
            rt.scrubber.execute(() -> {
                if (closed) {
                    return;
                }
                try {
                    long t0 = System.nanoTime();
                    long[] scanned = {0};
                    Optional<LogDamage> d = log.findDamage(bytes -> {
                        scanned[0] += bytes;
                        // Paces to SCRUB_BYTES_PER_SECOND_MAX on the scrub thread only (never a group or reader thread).
                        long dueNanos = (long) (scanned[0] * 1e9 / SCRUB_BYTES_PER_SECOND_MAX) - (System.nanoTime() - t0);
                        if (dueNanos > 1_000_000 && !closed) {
                            java.util.concurrent.locks.LockSupport.parkNanos(dueNanos);
                        }
                    });
                    if (d.isPresent()) {
                        LOG.warn("{}: the scrub after open found {}", this, d.get());
                        requestRepair(d.get().file());
                    } else {
                        // Debug: a node with thousands of partitions would log this thousands of times per start.
                        LOG.debug("{}: scrubbed {} bytes of log in {} ms, no damage", this, log.diskBytes(),
                                (System.nanoTime() - t0) / 1_000_000);
                    }
                } catch (LogClosedException e) {
                    // Closed meanwhile: nothing to repair.
                } catch (IOException | RuntimeException e) {
                    LOG.warn("{}: scrub failed: {}", this, e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            // The node is shutting down.
        }
    }

    /**
     * Group thread: if {@code file} holds damaged entries, cut the log before the first one,
     * restore the state machine from the newest snapshot below the cut, and rebuild the RaftNode
     * with its vote withheld (see {@link ReplicaRepair}). Returns false when no damage is there
     * (cut away or replaced meanwhile).
     */
    private boolean repairFrom(Path file) throws IOException {
        Optional<LogDamage> found = log.findDamage(file);
        if (found.isEmpty()) {
            return false;
        }
        LogDamage damage = found.get();
        // Dropped before the cut: should the cut fail half-way, no entry it removed is served from memory.
        view.dropRecent();
        ReplicaRepair.Cut cut = ReplicaRepair.cut(this.toString(), log, damage, repairMarker, repair, snapshots,
                view.snapshotMetadata(), sm.limits());
        repair = cut.marker();
        Optional<Snapshot> source = cut.restoreFrom();
        sm = source.map(s -> PartitionStateMachine.restore(s.data(), sm.limits()))
                .orElseGet(() -> new PartitionStateMachine(sm.limits()));
        appliedMembership = source.map(s -> s.metadata().membership()).orElse(bootstrapMembership);
        snapshots.restoredAt(sm.appliedIndex());
        committedOffsets.clear();
        committedOffsets.putAll(sm.groupOffsets());
        // Lowers the high watermark to the restored state: what is served stays in the log.
        reader.advance(sm.nextOffset(), sm.logStart());
        view.setInitialState(new InitialState(initialHardState(persistedHardState, sm.appliedIndex(), view.lastIndex()),
                appliedMembership, sm.appliedIndex()));
        raft = new RaftNode(raftConfig, view, random);
        raft.withholdVotesUntil(repair.untilIndex(), repair.untilTerm());
        // Their acks and votes were about the old log; Raft resends what is still needed.
        persistWaits.clear();
        synchronized (durableSends) {
            durableSends.clear(); // The flusher must not send them either.
        }
        lastBatchIndex = 0;
        BrokerException err = new BrokerException.OutcomeUnknown(
                "this replica found damaged data and stopped leading; the write may have been replicated");
        long kept = log.lastIndex();
        for (Iterator<Proposal> it = proposals.iterator(); it.hasNext(); ) {
            Proposal p = it.next();
            if (p.index() > kept) {
                it.remove();
                settleLost(p);
                if (p.control() != null) {
                    p.control().fail(err);
                }
            }
        }
        awaiting.failAbove(kept, err);
        if (rt.metrics != null) {
            rt.metrics.recordReplicaRepair();
        }
        return true;
    }

    /** Group thread: the core lifted the vote restriction, so the marker goes too. */
    private void maybeFinishRepair() throws IOException {
        if (repair != null && raft.votesWithheldUntil() == 0) {
            repairMarker.delete();
            LOG.info("{}: repair complete: entries up to {} are committed and durable here again; votes allowed",
                    this, repair.untilIndex());
            repair = null;
        }
    }

    /**
     * Steps queued peer messages into the core, up to {@link #ROUND_APPEND_BYTES_MAX} of append
     * entries (the rest waits for the next round, so a catching-up follower writes and acks in
     * parts while the leader refills its window).
     */
    private void stepInbox() {
        long appendBytes = 0;
        for (Inbound in; appendBytes < ROUND_APPEND_BYTES_MAX && (in = inbox.poll()) != null; ) {
            inboxCount.decrementAndGet();
            RaftMessage m = in.message();
            if (m instanceof RaftMessage.AppendRequest a) {
                for (Entry e : a.entries()) {
                    appendBytes += e.sizeBytes();
                }
            }
            try {
                if (in.frames() != null) {
                    frames.received(in.frames());
                }
                raft.step(m);
            } catch (IllegalArgumentException misrouted) {
                // A message for another group or node: a routing bug upstream, not a reason
                // to stop this replica. Raft tolerates the loss.
                LOG.warn("{}: dropped a message not meant for this group: {}", this, misrouted.getMessage());
            }
        }
    }

    private boolean drainReadies() throws IOException {
        boolean any = false;
        while (raft.hasReady()) {
            handleReady(raft.ready());
            any = true;
        }
        return any;
    }

    /**
     * One Ready, in the order the core's contract gives; each step's position prevents a failure:
     * <ol>
     *   <li>send {@code messages} (leader appends go out while the leader's own fsync runs);</li>
     *   <li>install a snapshot, then truncate a conflicting suffix before appending (appending
     *       first would leave the old leader's entries in front of the new ones);</li>
     *   <li>append entries (written, not yet fsynced: the flusher's next fsync covers them);</li>
     *   <li>write a changed term or vote durably (the atomic state file fsyncs before it
     *       returns) so no reply in the new term precedes it;</li>
     *   <li>apply committed entries, then {@code advance};</li>
     *   <li>later, once the flusher reports everything up to the last entry durable:
     *       {@link #notifyPersisted()} sends {@code messagesAfterPersist} (vote grants, append
     *       acks) and calls {@code persisted}. Sending them earlier lets a crash lose an
     *       acknowledged entry or a vote.</li>
     * </ol>
     */
    private void handleReady(Ready rd) throws IOException {
        long startNanos = System.nanoTime();
        for (RaftMessage m : rd.messages()) {
            // An append of entries read from the segment log carries their frames, so the follower
            // writes the leader's bytes without re-encoding; fresh proposals are not on disk yet.
            io.cairn.storage.FrameChunk chunk = m instanceof RaftMessage.AppendRequest a ? frames.framesOf(a.entries()) : null;
            if (chunk != null) {
                rt.transport.sendWithFrames((RaftMessage.AppendRequest) m, chunk);
            } else {
                rt.transport.send(m);
            }
        }
        frames.clearHandedOut();
        SnapshotMetadata installed = null;
        try {
            if (rd.snapshot().isPresent()) {
                installed = installSnapshot(rd.snapshot().get());
            }
            if (rd.truncateFromIndex() != 0) {
                view.truncateSuffix(rd.truncateFromIndex()); // Cuts the in-memory recent entries too.
                lastBatchIndex = 0;
            }
            appendEntries(rd.entries());
            if (!rd.entries().isEmpty()) {
                diskFull = false;
            }
            if (rd.hardState().isPresent()) {
                persistHardState(rd.hardState().get());
            }
        } catch (DiskFullException e) {
            recoverFromDiskFull(e);
            return;
        }
        apply(rd.committedEntries());
        leaderReads.confirmed(rd.readStates()); // Answered in the round's end, once applied up to their index.
        raft.advance(rd);
        Entry last = rd.entries().isEmpty() ? null : rd.entries().get(rd.entries().size() - 1);
        PersistWait wait = new PersistWait(last == null ? 0 : last.index(), last == null ? 0 : last.term(),
                installed, startNanos);
        persistWaits.add(wait);
        if (!rd.messagesAfterPersist().isEmpty()) {
            synchronized (durableSends) {
                // A snapshot's acks stay with the group thread, which also tells Raft the snapshot is applied.
                durableSends.add(new DurableSend(wait.waitIndex(), rd.messagesAfterPersist(), installed != null));
            }
        }
    }

    /**
     * Sends the after-persist messages whose entries are now durable, in Ready order; true if some
     * that are durable must wait for the group thread (a snapshot's). Called by
     * the flusher's listener (any thread) and by the group thread; the lock keeps two callers from
     * interleaving, so messages leave in the order Raft produced them.
     *
     * <p>Durability is read from {@link SegmentLog#durableIndex()} here, never taken from the
     * flusher's callback argument: a truncation on the group thread lowers that index before the
     * entries replacing the cut ones are appended, so a stale callback value could otherwise
     * acknowledge entries that are not yet on disk (the leader would count a replica a crash can lose).
     */
    private boolean sendDurableMessages(boolean onGroupThread) {
        synchronized (durableSends) {
            if (closed || failure != null) {
                return false;
            }
            long durable = log.durableIndex();
            for (DurableSend d; (d = durableSends.peek()) != null && d.waitIndex() <= durable
                    && (onGroupThread || !d.groupThreadOnly()); ) {
                durableSends.poll();
                for (RaftMessage m : d.messages()) {
                    rt.transport.send(m);
                }
            }
            DurableSend next = durableSends.peek();
            return next != null && next.waitIndex() <= durable;
        }
    }

    /**
     * Appends a Ready's entries: runs whose frames arrived from the leader are written as they are,
     * one write per run (no decoding, no re-encoding: the bytes are the leader's); any other entry
     * is encoded here. The storage checks every entry continues the log either way.
     */
    private void appendEntries(List<Entry> entries) throws IOException {
        int i = 0;
        while (i < entries.size()) {
            int run = frames.receivedRun(entries, i);
            if (run == 0) {
                Entry e = entries.get(i);
                log.append(EntryFrames.toFrame(e, log.nextOffset()));
                i++;
                continue;
            }
            Entry first = entries.get(i);
            int at = frames.positionOf(first);
            log.appendFrames(frames.chunkOf(first), at, at + run);
            i += run;
        }
        if (!entries.isEmpty()) {
            frames.forgetReceivedThrough(log.lastIndex());
            // Kept in memory so applying them once durable (and resending them) skips reading them back.
            view.appended(entries);
        }
    }

    /** Term and vote must be durable before any reply in the term; the commit index may lag safely. */
    private void persistHardState(HardState hs) throws IOException {
        if (hs.term() == persistedHardState.term() && Objects.equals(hs.votedFor(), persistedHardState.votedFor())) {
            return; // Only the commit index moved: losing it is safe (it is relearned), so skip the 3 fsyncs.
        }
        HardState toWrite = new HardState(hs.term(), hs.votedFor(), Math.min(hs.commit(), log.durableIndex()));
        hardStateFile.write(toWrite);
        persistedHardState = toWrite;
    }

    private boolean notifyPersisted() {
        long durable = log.durableIndex();
        boolean any = false;
        if (!persistWaits.isEmpty() && persistWaits.peek().waitIndex() <= durable) {
            sendDurableMessages(true);
        }
        while (!persistWaits.isEmpty() && persistWaits.peek().waitIndex() <= durable) {
            PersistWait w = persistWaits.poll();
            if (w.snapshot() != null) {
                raft.snapshotApplied(w.snapshot());
            }
            if (w.index() > 0) {
                raft.persisted(w.index(), w.term());
                if (rt.metrics != null) {
                    rt.metrics.recordFsyncNanos(System.nanoTime() - w.startNanos());
                }
            }
            any = true;
        }
        return any;
    }

    private boolean canWrite() {
        // isReadyForWrites: this term's no-op is applied, so every earlier entry (and its keys)
        // is in the state machine; later entries are our own proposals, whose keys are in flight.
        return failure == null && raft.role() == Role.LEADER && raft.isReadyForWrites();
    }

    private BrokerException notWritable() {
        if (failure != null) {
            return failure;
        }
        if (diskFull) {
            return new BrokerException.DiskFull("the data disk is full; writes resume once space is freed");
        }
        return notLeaderForReads();
    }

    /** Where a leader read should go instead; unlike writes, reads go on while the disk is full or failed. */
    private BrokerException notLeaderForReads() {
        Optional<NodeId> leader = raft.leader();
        if (leader.isPresent() && !leader.get().equals(self)) {
            Optional<String> url = rt.transport.httpUrl(leader.get());
            if (url.isPresent()) {
                return new BrokerException.NotLeader(leader.get().value(), url.get());
            }
            return new BrokerException.Unavailable("no_leader", "leader " + leader.get() + " has no known address", 1000);
        }
        if (leader.isPresent()) {
            return new BrokerException.Unavailable("leader_not_ready",
                    "this node was just elected and is still applying its log", 200);
        }
        return new BrokerException.Unavailable("no_leader", "partition " + topic + "/" + partition + " has no leader", 1000);
    }

    private boolean proposeControls() {
        if (controlQueue.isEmpty()) {
            return false;
        }
        if (!canWrite()) {
            BrokerException err = notWritable();
            for (ControlRequest<?> c; (c = controlQueue.poll()) != null; ) {
                queuedControls.decrementAndGet();
                c.fail(err);
            }
            return false;
        }
        boolean any = false;
        for (ControlRequest<?> c; (c = controlQueue.poll()) != null; ) {
            queuedControls.decrementAndGet();
            if (c.isDone()) {
                continue;
            }
            if (c.command instanceof GroupCommit gc && gc.offset() <= sm.committedOffset(gc.group())) {
                c.complete(new CommitResult(sm.committedOffset(gc.group()), false)); // Monotonic: a no-op needs no entry.
                continue;
            }
            ProposeResult r = raft.propose(EntryType.NORMAL, PartitionCodec.encode(c.command));
            if (r instanceof ProposeResult.Accepted a) {
                c.index = a.index();
                c.term = a.term();
                proposals.add(new Proposal(a.index(), a.term(), List.of(), c));
            } else {
                c.fail(rejection((Rejected) r));
            }
            any = true;
        }
        return any;
    }

    /**
     * Coalesces queued produce requests into one batch entry (whole requests, up to
     * {@link ReplicaOptions#batchBytesMax()}) and proposes it. Holds back while the previous batch
     * is not yet fsynced, so that requests arriving during an fsync share the next one.
     */
    private boolean proposeBatch() {
        // Move the index batchInFlight() reads before looking at the queue (see produce(): no lost wake-up).
        replicatedCommitIndex = isSingleVoter(raft.membership()) ? -1 : raft.commitIndex();
        if (produceQueue.isEmpty()) {
            return false;
        }
        if (!canWrite()) {
            failQueuedProduce(notWritable());
            return false;
        }
        if (batchInFlight() && lastBatchIndex <= log.lastIndex()
                && (roundBatches == 0 || roundBatches >= ROUND_BATCH_ENTRIES_MAX
                    || produceQueue.bytes() < rt.options.batchBytesMax())) {
            // Group commit: the round that ends the flight proposes what queued meanwhile. Within a round
            // that already proposed, more *full* batches may follow (the same fsync covers them);
            // a partial one waits, so small writes keep coalescing into one entry per fsync.
            return false;
        }
        if (awaiting.size() >= rt.options.pendingRequestsMax()) {
            return false;
        }
        try {
            rt.diskGuard.checkProduce(fileStore, estimatedBatchBytes());
        } catch (BrokerException.DiskFull e) {
            failQueuedProduce(e);
            return false;
        }
        ProduceBatcher.Batch batch = batcher.drain(produceQueue, rt.options.batchBytesMax(), log.nextOffset(),
                System.currentTimeMillis(), System.nanoTime(), sm);
        List<ProduceRequest> included = new ArrayList<>(batch.included());
        if (included.isEmpty()) {
            return false;
        }
        if (!batch.records().isEmpty()) {
            ProposeResult r = raft.propose(EntryType.NORMAL,
                    PartitionCodec.encode(new RecordBatch(batch.baseOffset(), batch.records())));
            if (r instanceof ProposeResult.Accepted a) {
                batcher.proposed(batch, a.index(), a.term());
                proposals.add(new Proposal(a.index(), a.term(), List.copyOf(batch.keys().keySet()), null));
                lastBatchIndex = a.index();
                roundBatches++;
                if (roundBatches > roundBatchesMax.get()) {
                    roundBatchesMax.set(roundBatches); // Written on the group thread only.
                }
                batchesProposed.incrementAndGet();
                if (rt.metrics != null) {
                    rt.metrics.recordBatchEntry(batch.joining().size());
                }
            } else {
                BrokerException err = rejection((Rejected) r);
                for (ProduceRequest req : batch.joining()) {
                    req.fail(err);
                }
                included.removeAll(batch.joining());
            }
        }
        requestsProposed.addAndGet(included.size());
        awaiting.addAll(included);
        return true;
    }

    /** The frame bytes the next batch will take: queued bytes up to a batch, plus framing per request. */
    private long estimatedBatchBytes() {
        long requests = Math.min(produceQueue.requests(), 1024);
        return Math.min(produceQueue.bytes(), rt.options.batchBytesMax()) + 64 + requests * 16;
    }

    private BrokerException rejection(Rejected r) {
        return switch (r.reason()) {
            case OVERLOADED -> new BrokerException.Overloaded("partition " + topic + "/" + partition
                    + " has too many uncommitted bytes; retry shortly");
            default -> notWritable();
        };
    }

    /** Why the RaftNode refused a read: overloaded (429), or not (yet) a leader that may serve it. */
    private BrokerException readRefusal(Rejected r) {
        return switch (r.reason()) {
            case OVERLOADED -> new BrokerException.Overloaded("partition " + topic + "/" + partition
                    + " has too many reads waiting for leadership confirmation; retry shortly");
            default -> notLeaderForReads();
        };
    }

    private void failQueuedProduce(BrokerException err) {
        produceQueue.failAll(err);
    }

    /** Applies committed entries in order and settles the proposals they decide. */
    private void apply(List<Entry> committed) throws IOException {
        for (Entry e : committed) {
            PartitionCommand command = EntryFrames.commandForApply(e);
            ApplyResult result = sm.apply(e.index(), e.term(), command);
            appliedMembership = SnapshotKeeper.membershipAfter(appliedMembership, e);
            snapshots.applied(e.sizeBytes());
            Proposal own = null;
            while (!proposals.isEmpty() && proposals.peek().index() <= e.index()) {
                Proposal p = proposals.poll();
                if (p.index() == e.index() && p.term() == e.term()) {
                    own = p;
                } else {
                    settleLost(p); // Another leader's entry took this index: ours was never committed.
                }
            }
            Deletion deletion = null;
            if (result instanceof ApplyResult.CommitApplied c) {
                committedOffsets.put(c.group(), c.committedOffset());
            } else if (result instanceof ApplyResult.LogStartRaised l && l.advanced()) {
                reader.advance(sm.nextOffset(), sm.logStart());
                deletion = compactAndDeleteSegments();
            }
            if (own != null) {
                settleApplied(own, result, deletion);
            }
        }
        if (!committed.isEmpty()) {
            reader.advance(sm.nextOffset(), sm.logStart());
        }
    }

    /** Answers for control requests, given after {@link #publish()} at the end of the round. */
    private void runDeferred() {
        for (Runnable r; (r = deferred.poll()) != null; ) {
            r.run();
        }
    }

    private void settleApplied(Proposal p, ApplyResult result, Deletion deletion) {
        batcher.settled(p.keys(), p.index());
        if (result instanceof ApplyResult.BatchApplied b) {
            // The leader's dedupe and the state machine must agree, or a retry could get a second offset.
            for (ApplyResult.RecordOutcome o : b.records()) {
                Invariants.check(!o.duplicate(), "entry %s: record at %s was a duplicate the leader did not catch",
                        p.index(), o.offset());
            }
        }
        ControlRequest<?> c = p.control();
        if (c == null) {
            return;
        }
        switch (result) {
            case ApplyResult.CommitApplied ca -> deferred.add(() -> c.complete(new CommitResult(ca.committedOffset(), ca.advanced())));
            case ApplyResult.CommitRejected cr -> deferred.add(() -> c.fail(new BrokerException.BadRequest("commit_rejected", cr.reason())));
            case ApplyResult.LogStartRaised l -> deferred.add(() -> c.complete(new DeleteBeforeResult(l.logStart(),
                    deletion == null ? 0 : deletion.segments(), deletion == null ? 0 : deletion.bytes())));
            default -> c.fail(new BrokerException.StorageFailed("unexpected result " + result + " for " + c.command));
        }
    }

    private void settleLost(Proposal p) {
        batcher.settled(p.keys(), p.index());
        if (p.control() != null) {
            p.control().fail(new BrokerException.Unavailable("not_written",
                    "leadership changed before the change committed; it was not applied", 200));
        }
        // Produce requests waiting on it learn LOST from raft.durability() in completeAwaiting().
    }

    private void completeAwaiting() {
        awaiting.settle(progressView);
    }

    private void expireDeadlines(long now) {
        awaiting.expire(now);
        produceQueue.expire(now);
        for (Proposal p : proposals) {
            ControlRequest<?> c = p.control();
            if (c != null && now - c.deadlineNanos >= 0) {
                c.fail(new BrokerException.OutcomeUnknown("the change was not committed in time; it may or may not be applied"));
            }
        }
    }

    // ---- snapshots, retention, disk full ----

    private Snapshot stateSnapshot() {
        SnapshotMetadata meta = new SnapshotMetadata(sm.appliedIndex(), sm.appliedTerm(), appliedMembership);
        return new Snapshot(meta, sm.snapshot());
    }

    private void maybeCheckpoint() {
        if (snapshots.checkpointDue(sm.appliedIndex())) {
            snapshots.writeCheckpoint(stateSnapshot());
        }
    }

    /** After the log start rose: snapshot first, then delete the segments the snapshot covers. */
    private Deletion compactAndDeleteSegments() throws IOException {
        return snapshots.compactAndDelete(stateSnapshot(), log, view, sm.logStart(), sm.limits());
    }

    private SnapshotMetadata installSnapshot(Snapshot snapshot) throws IOException {
        PartitionStateMachine restored = PartitionStateMachine.restore(snapshot.data(), sm.limits());
        Invariants.check(restored.appliedIndex() == snapshot.index(), "snapshot at %s holds state applied to %s",
                snapshot.index(), restored.appliedIndex());
        snapshots.installed(snapshot);
        view.dropRecent(); // Before the reset: a reset that fails half-way must not leave old entries in memory.
        log.resetTo(snapshot.index() + 1, restored.nextOffset(), snapshot.term());
        sm = restored;
        appliedMembership = snapshot.metadata().membership();
        view.setSnapshot(snapshot.metadata());
        committedOffsets.clear();
        committedOffsets.putAll(sm.groupOffsets());
        reader.advance(sm.nextOffset(), sm.logStart());
        lastBatchIndex = 0;
        return snapshot.metadata();
    }

    /**
     * ENOSPC while writing a Ready: storage cut the partial write back, but the RaftNode believes
     * the entries are in its log. Rebuild the node from what is on disk (as a restart would) so the
     * unwritten entries are forgotten, and tell their writers. On a one-voter group nobody else
     * saw them, so they were definitely not written; with peers they may have been replicated.
     */
    private void recoverFromDiskFull(DiskFullException cause) throws IOException {
        LOG.warn("{}: disk full while writing the log; rebuilding the Raft node from disk: {}", this, cause.getMessage());
        view.dropRecent(); // Storage cut the partial write back; the rebuilt node reads what is on disk.
        long last = log.lastIndex();
        if (last >= log.firstIndex() && log.durableIndex() < last) {
            // The rebuilt node treats everything in storage as durable, so make it so first.
            try {
                log.whenDurable(last).get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for fsync", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("fsync after disk full failed: " + e, e);
            }
        }
        // Whether the writes can have reached anyone else depends on the membership in force now.
        boolean single = isSingleVoter(raft.membership());
        view.setInitialState(new InitialState(initialHardState(persistedHardState, sm.appliedIndex(), view.lastIndex()),
                appliedMembership, sm.appliedIndex()));
        raft = new RaftNode(raftConfig, view, random);
        if (repair != null) {
            raft.withholdVotesUntil(repair.untilIndex(), repair.untilTerm()); // A rebuilt node keeps the restriction.
        }
        persistWaits.clear();
        synchronized (durableSends) {
            durableSends.clear(); // Acks for entries the rebuilt node forgot must never be sent.
        }
        lastBatchIndex = 0;
        BrokerException err = single
                ? new BrokerException.DiskFull("the data disk is full; the write was not stored. Writes resume once space is freed")
                : new BrokerException.OutcomeUnknown("the data disk filled during the write; it may have been replicated");
        for (Iterator<Proposal> it = proposals.iterator(); it.hasNext(); ) {
            Proposal p = it.next();
            if (p.index() > last) {
                it.remove();
                settleLost(p);
                if (p.control() != null) {
                    p.control().fail(err);
                }
            }
        }
        awaiting.failAbove(last, err);
        diskFull = true;
        // No campaign here: the no-op would hit the full disk again at once. onTick retries.
    }

    private void failReplica(Throwable t) {
        LOG.error("{}: stopping writes after a failure; reads continue", this, t);
        BrokerException err = new BrokerException.StorageFailed("partition " + topic + "/" + partition
                + " stopped accepting writes: " + t);
        failure = err;
        readyForWrites.completeExceptionally(err);
        failAll(err);
    }

    private void failAll(BrokerException err) {
        runDeferred(); // Those entries were applied: their answers stand.
        failQueuedProduce(err);
        for (ControlRequest<?> c; (c = controlQueue.poll()) != null; ) {
            queuedControls.decrementAndGet();
            c.fail(err);
        }
        awaiting.failAll(err);
        for (Proposal p : proposals) {
            if (p.control() != null) {
                p.control().fail(err);
            }
        }
        proposals.clear();
        batcher.clear();
        leaderReads.failAll(err);
    }

    private void publish() {
        reader.advance(sm.nextOffset(), sm.logStart());
        long bytes = log.diskBytes();
        rt.diskGuard.adjust(bytes - lastLogBytes);
        lastLogBytes = bytes;
        Membership m = raft.membership();
        List<ReplicaStatus> progress = new ArrayList<>();
        long lastIndex = log.lastIndex();
        // Recent entries stay in memory until applied here and, on a leader, held by every replica.
        long notNeeded = sm.appliedIndex();
        for (PeerProgress p : raft.progress()) {
            progress.add(new ReplicaStatus(p.node().value(), p.matchIndex(), Math.max(0, lastIndex - p.matchIndex())));
            notNeeded = Math.min(notNeeded, p.matchIndex());
        }
        view.recentNotNeededThrough(notNeeded);
        List<String> replicas = new ArrayList<>();
        for (NodeId n : m.voters()) {
            replicas.add(n.value());
        }
        repairable = hasPeers(m);
        status = new Status(partition, raft.leader().map(NodeId::value).orElse(null), raft.term(), sm.logStart(),
                sm.nextOffset(), raft.commitIndex(), bytes, replicas, progress);
        leading = raft.role() == Role.LEADER;
        boolean leads = leading && raft.isReadyForWrites();
        NodeId leader = raft.leader().orElse(null);
        if (leads != refusalLeads || !Objects.equals(leader, refusalLeader) || raft.term() != refusalTerm
                || leaderReadRefusal instanceof BrokerException.Unavailable) { // e.g. the leader's URL is learnt later
            // Rebuilt only when leadership changes: every round on a busy follower used to build it anew.
            if (!Objects.equals(leader, refusalLeader) || raft.term() != refusalTerm) {
                // One line per change: without it an election under load left no trace in the log.
                LOG.info("{}: term {}, leader {} ({} here)", this, raft.term(),
                        leader == null ? "none" : leader.value(), raft.role().name().toLowerCase(java.util.Locale.ROOT));
            }
            leaderReadRefusal = leads ? null : notLeaderForReads();
            refusalLeads = leads;
            refusalLeader = leader;
            refusalTerm = raft.term();
        }
        if (!readyForWrites.isDone() && canWrite()) {
            readyForWrites.complete(null);
        }
    }

    private void closeOnThread() {
        if (closed) {
            return;
        }
        closed = true;
        BrokerException err = new BrokerException.Unavailable("closed", "partition " + topic + "/" + partition + " is closed", 1000);
        failAll(err);
        reader.close();
        thread.unregister(this);
        if (raft != null && failure == null && snapshots.hasUncheckpointedState(sm.appliedIndex())) {
            snapshots.writeCheckpoint(stateSnapshot()); // A clean shutdown restarts without replay.
        }
        rt.diskGuard.adjust(-lastLogBytes);
        lastLogBytes = 0;
        view.dropRecent(); // Gives its share of the node's memory budget back.
        try {
            log.close();
        } catch (IOException e) {
            LOG.warn("{}: closing the log failed: {}", this, e.toString());
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.warn("{}: close after a failed open: {}", this, e.toString());
        }
    }

    // =====================================================================================
    // Cluster operations (branch cluster): leadership transfer, campaigns, membership changes
    // =====================================================================================

    /**
     * Runs {@code action} with this group's RaftNode on the group thread, then processes whatever
     * Ready it produced. The cluster layer uses it for leadership transfer, a preferred leader's
     * first campaign, membership changes and progress reports, so consensus calls stay on the one
     * thread that owns the node. Fails with Unavailable when the replica is closed or failed.
     */
    public <T> CompletableFuture<T> withRaft(java.util.function.Function<RaftNode, T> action) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                if (closed || raft == null) {
                    f.completeExceptionally(new BrokerException.Unavailable("closed",
                            "partition " + topic + "/" + partition + " is closed", 1000));
                    return;
                }
                try {
                    T result = action.apply(raft);
                    step();
                    f.complete(result);
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new BrokerException.Unavailable("closed",
                    "partition " + topic + "/" + partition + " is closed", 1000));
        }
        return f;
    }

    /** One Ready's after-persist messages, sendable once the log is durable up to {@code waitIndex}. */
    private record DurableSend(long waitIndex, List<RaftMessage> messages, boolean groupThreadOnly) {}

    /** An entry this replica proposed: batch idempotency keys, or the control request it carries. */
    private record Proposal(long index, long term, List<String> keys, ControlRequest<?> control) {}

    /**
     * One Ready's writes: its last entry (index 0 when it had none) and the snapshot it installed;
     * Raft hears they are persisted once the log is durable up to {@link #waitIndex()}.
     */
    private record PersistWait(long index, long term, SnapshotMetadata snapshot, long startNanos) {
        long waitIndex() {
            return Math.max(index, snapshot == null ? 0 : snapshot.index());
        }
    }
}
