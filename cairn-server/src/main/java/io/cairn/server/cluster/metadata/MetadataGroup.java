package io.cairn.server.cluster.metadata;

import io.cairn.core.GroupId;
import io.cairn.core.Invariants;
import io.cairn.core.NodeId;
import io.cairn.core.raft.ConfigChange;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.ProposeResult;
import io.cairn.core.raft.RaftConfig;
import io.cairn.core.raft.RaftMessage;
import io.cairn.core.raft.RaftNode;
import io.cairn.core.raft.RaftStatus;
import io.cairn.core.raft.RandomSource;
import io.cairn.core.raft.Ready;
import io.cairn.core.raft.Role;
import io.cairn.core.raft.TransferResult;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.cluster.RaftSender;
import io.cairn.storage.Flusher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the metadata Raft group (group id 0, every node a member) on one thread of its own:
 * ticks, inbound messages, proposals, persistence and applying commands to {@link MetadataState}.
 *
 * <p>Persistence is synchronous on this thread (append, fsync, then reply): metadata changes are
 * rare and small, and a simple order is easy to check. Follows {@link Ready}'s order exactly.
 */
public final class MetadataGroup implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataGroup.class);
    public static final GroupId GROUP_ID = GroupId.of(0);
    /** Bound on proposals waiting to be applied; more are refused with 429. */
    static final int PENDING_PROPOSALS_MAX = 1024;
    /** Bound on inbound messages queued for this group's thread; more are dropped (Raft retries). */
    static final int INBOX_MESSAGES_MAX = 10_000;
    /**
     * Bound on ReadIndex requests waiting for a quorum round; more are refused with 429. Callers
     * coalesce (one round in flight per node, see {@code ClusterBroker}), so a handful is normal.
     */
    static final int PENDING_READS_MAX = 256;

    /** Called on the metadata thread after each applied command; must not block. */
    public interface Listener {
        void applied(MetadataState state, MetadataCommand command, MetadataState.Result result);

        /** The group's membership changed (a config change entry was applied). */
        default void membershipChanged(Membership membership) {}

        /**
         * Every committed entry up to {@code index} is applied (also no-op and membership entries,
         * which {@link #applied} does not see). Called once per batch of committed entries.
         */
        default void appliedThrough(long index) {}
    }

    private record Pending(long term, CompletableFuture<Object> future, long deadlineNanos) {}

    private record PendingRead(CompletableFuture<Long> future, long deadlineNanos) {}

    private final NodeId self;
    private final List<NodeInfo> bootstrapNodes;
    private boolean bootstrapProposed; // metadata thread only
    private final ScheduledExecutorService thread;
    private final RaftSender sender;
    private final Listener listener;
    private final Consumer<Throwable> fatal;
    private final long proposalTimeoutMs;
    private final AtomicInteger inboxSize = new AtomicInteger();
    private final Map<Long, Pending> pending = new HashMap<>(); // metadata thread only
    private final Map<Long, PendingRead> pendingReads = new HashMap<>(); // metadata thread only
    private long nextReadContext = 1; // metadata thread only
    private MetadataLog storage; // metadata thread only
    private RaftNode node; // metadata thread only
    private volatile MetadataState state;
    private volatile RaftStatus status;
    /**
     * Index of the last entry applied to {@link #state}. Written after {@code state}, so a reader
     * that reads this first and the state second sees a state at least this new.
     */
    private volatile long appliedIndex;
    private final java.util.concurrent.atomic.AtomicLong droppedInbound = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param bootstrap the nodes of the static {@code --peers} list: identical on every node, so
     *                  all start with the same voters and the same initial metadata
     */
    public MetadataGroup(NodeId self, Path dir, Flusher flusher, List<NodeInfo> bootstrap, RaftSender sender,
                         Listener listener, long tickMs, long proposalTimeoutMs, Consumer<Throwable> fatal) throws IOException {
        this(self, dir, flusher, bootstrap, false, sender, listener, tickMs, proposalTimeoutMs, fatal);
    }

    /**
     * @param joining true for a node added to a running cluster ({@code POST /cluster/nodes}):
     *                it starts outside the group and learns the whole history from the leader
     */
    public MetadataGroup(NodeId self, Path dir, Flusher flusher, List<NodeInfo> bootstrap, boolean joining,
                         RaftSender sender, Listener listener, long tickMs, long proposalTimeoutMs,
                         Consumer<Throwable> fatal) throws IOException {
        this.self = self;
        this.sender = sender;
        this.listener = listener;
        this.fatal = fatal;
        this.proposalTimeoutMs = proposalTimeoutMs;
        this.state = MetadataState.empty();
        this.bootstrapNodes = List.copyOf(bootstrap);
        Set<NodeId> voters = new TreeSet<>();
        for (NodeInfo n : bootstrap) voters.add(NodeId.of(n.id()));
        if (joining) {
            // A joining node is not a member until the leader adds it as a learner; starting as a
            // voter of its own imagined group would make it apply that change inconsistently.
            voters.remove(self);
        }
        Membership membership = new Membership(voters, Set.of());
        ScheduledThreadPoolExecutor exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "cairn-metadata");
            t.setDaemon(true);
            return t;
        });
        exec.setRemoveOnCancelPolicy(true);
        this.thread = exec;
        CompletableFuture<Void> opened = new CompletableFuture<>();
        thread.execute(() -> {
            try {
                storage = new MetadataLog(dir, flusher, membership);
                RaftConfig config = RaftConfig.defaults(GROUP_ID, self);
                node = new RaftNode(config, storage, RandomSource.seeded(System.nanoTime() ^ self.hashCode()));
                drive();
                opened.complete(null);
            } catch (Throwable t) {
                opened.completeExceptionally(t);
            }
        });
        try {
            opened.get();
        } catch (Exception e) {
            thread.shutdownNow();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof IOException io) throw io;
            throw new IOException("cannot open the metadata group in " + dir + ": " + cause, cause);
        }
        thread.scheduleAtFixedRate(this::tick, tickMs, tickMs, TimeUnit.MILLISECONDS);
    }

    public MetadataState state() {
        return state;
    }

    public RaftStatus status() {
        return status;
    }

    /** Index of the last metadata entry applied here; {@link #state()} read afterwards is at least as new. */
    public long appliedIndex() {
        return appliedIndex;
    }

    public long droppedInbound() {
        return droppedInbound.get();
    }

    /** The metadata leader's id, if one is known. */
    public Optional<String> leaderId() {
        RaftStatus s = status;
        return s == null ? Optional.empty() : s.leader().map(NodeId::value);
    }

    public boolean isLeader() {
        RaftStatus s = status;
        return s != null && s.role() == Role.LEADER;
    }

    /** Delivers a message from the transport (any thread). */
    public void onMessage(RaftMessage message) {
        if (thread.isShutdown()) return;
        if (inboxSize.incrementAndGet() > INBOX_MESSAGES_MAX) {
            inboxSize.decrementAndGet();
            droppedInbound.incrementAndGet();
            return;
        }
        thread.execute(() -> {
            inboxSize.decrementAndGet();
            try {
                node.step(message);
                drive();
            } catch (RuntimeException e) {
                fatal.accept(e);
            }
        });
    }

    /**
     * Proposes a command through the leader. Completes with the apply result once committed and
     * applied here; fails with NotLeader (307 to the metadata leader), Unavailable (no leader),
     * Overloaded, or OutcomeUnknown after the proposal timeout.
     */
    public CompletableFuture<MetadataState.Result> propose(MetadataCommand command) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        thread.execute(() -> {
            if (!checkLeader(f)) return;
            ProposeResult r = node.propose(EntryType.NORMAL, command.encode());
            track(r, f);
            drive();
        });
        return f.thenApply(o -> (MetadataState.Result) o);
    }

    /**
     * A linearizable read point (Raft ReadIndex, dissertation section 6.4), on the leader only:
     * the leader's commit index, once a quorum has confirmed it still leads. Every metadata change
     * acknowledged to anyone before this call is at or below the returned index. Fails like a
     * proposal on a follower (307 to the leader, or 503), with 429 when too many reads wait, and
     * with 503 when no quorum answers within the proposal timeout.
     */
    public CompletableFuture<Long> readIndex() {
        CompletableFuture<Object> f = new CompletableFuture<>();
        CompletableFuture<Long> read = new CompletableFuture<>();
        thread.execute(() -> {
            if (!checkLeader(f)) {
                f.whenComplete((v, t) -> read.completeExceptionally(t));
                return;
            }
            if (pendingReads.size() >= PENDING_READS_MAX) {
                read.completeExceptionally(new BrokerException.Overloaded("too many metadata reads waiting for a quorum"));
                return;
            }
            long context = nextReadContext++;
            switch (node.readIndex(context)) {
                case io.cairn.core.raft.ReadIndexResult.Pending p -> pendingReads.put(context, new PendingRead(read,
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(proposalTimeoutMs)));
                case io.cairn.core.raft.Rejected rej -> read.completeExceptionally(
                        new BrokerException.Unavailable("read_index_rejected", "the metadata leader refused a read: " + rej, 200));
            }
            drive();
        });
        return read;
    }

    /** Completes normally on the ready leader; otherwise fails with the redirect or 503 a proposal would get. */
    public CompletableFuture<Void> requireLeader() {
        CompletableFuture<Object> f = new CompletableFuture<>();
        thread.execute(() -> {
            if (checkLeader(f)) f.complete(null);
        });
        return f.thenApply(o -> null);
    }

    /** Proposes one membership change of the metadata group itself; completes when applied. */
    public CompletableFuture<Void> changeMembership(ConfigChange change) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        thread.execute(() -> {
            if (!checkLeader(f)) return;
            track(node.proposeConfigChange(change), f);
            drive();
        });
        return f.thenApply(o -> null);
    }

    /** Moves metadata leadership to {@code target}; completes when it is leader, or fails after the timeout. */
    public CompletableFuture<Void> transferLeadership(NodeId target) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        thread.execute(() -> {
            TransferResult r = node.transferLeadership(target);
            drive();
            switch (r) {
                case ALREADY_LEADER -> f.complete(null);
                case NOT_LEADER -> f.completeExceptionally(notLeader());
                case NOT_A_VOTER -> f.completeExceptionally(new BrokerException.BadRequest("not_a_voter",
                        target + " is not a voter of the metadata group"));
                case STARTED -> awaitLeader(target, f, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(proposalTimeoutMs));
            }
        });
        return f;
    }

    private void awaitLeader(NodeId target, CompletableFuture<Void> f, long deadlineNanos) {
        if (node.leader().filter(target::equals).isPresent()) {
            f.complete(null);
        } else if (System.nanoTime() > deadlineNanos) {
            f.completeExceptionally(new BrokerException.OutcomeUnknown("leadership transfer to " + target
                    + " did not finish in " + proposalTimeoutMs + " ms"));
        } else {
            thread.schedule(() -> awaitLeader(target, f, deadlineNanos), 20, TimeUnit.MILLISECONDS);
        }
    }

    private boolean checkLeader(CompletableFuture<Object> f) {
        if (node.isReadyForWrites() && state.nodes().isEmpty()) {
            f.completeExceptionally(new BrokerException.Unavailable("bootstrapping",
                    "the cluster is writing its node list; retry in a moment", 200));
            return false;
        }
        if (node.isReadyForWrites()) {
            if (pending.size() >= PENDING_PROPOSALS_MAX) {
                f.completeExceptionally(new BrokerException.Overloaded("too many metadata changes in flight"));
                return false;
            }
            return true;
        }
        f.completeExceptionally(notLeader());
        return false;
    }

    private BrokerException notLeader() {
        Optional<NodeId> leader = node.leader();
        if (leader.isPresent() && !leader.get().equals(self)) {
            NodeInfo info = state.nodes().get(leader.get().value());
            if (info != null) return new BrokerException.NotLeader(info.id(), info.httpUrl());
        }
        return new BrokerException.Unavailable("no_leader", "the metadata group has no leader right now", 1000);
    }

    private void track(ProposeResult r, CompletableFuture<Object> f) {
        switch (r) {
            case ProposeResult.Accepted a -> pending.put(a.index(),
                    new Pending(a.term(), f, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(proposalTimeoutMs)));
            case io.cairn.core.raft.Rejected rej -> f.completeExceptionally(
                    new BrokerException.Unavailable("proposal_rejected", "metadata proposal refused: " + rej, 500));
        }
    }

    private void tick() {
        try {
            node.tick();
            drive();
            nudgeStalledFollowers();
            proposeBootstrap();
            long now = System.nanoTime();
            for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (now > p.deadlineNanos()) {
                    it.remove();
                    p.future().completeExceptionally(new BrokerException.OutcomeUnknown(
                            "metadata change not applied within " + proposalTimeoutMs + " ms; it may still take effect"));
                }
            }
            for (Iterator<PendingRead> it = pendingReads.values().iterator(); it.hasNext(); ) {
                PendingRead r = it.next();
                // A read whose round was lost (leadership changed, quorum unreachable) is never
                // confirmed by the core; the caller must hear so rather than wait forever.
                if (now > r.deadlineNanos() || !node.isReadyForWrites()) {
                    it.remove();
                    r.future().completeExceptionally(new BrokerException.Unavailable("metadata_quorum_unconfirmed",
                            "the metadata leader could not confirm its leadership with a quorum", 500));
                }
            }
        } catch (Throwable t) {
            fatal.accept(t);
        }
    }

    /** The first leader writes the static node list into the log (once per leadership, until applied). */
    private void proposeBootstrap() {
        if (!state.nodes().isEmpty() || bootstrapNodes.isEmpty() || !node.isReadyForWrites()) {
            if (!node.isReadyForWrites()) bootstrapProposed = false;
            return;
        }
        if (bootstrapProposed) return;
        bootstrapProposed = true;
        node.propose(EntryType.NORMAL, new MetadataCommand.Bootstrap(bootstrapNodes).encode());
        drive();
    }

    /** Ticks a live follower may lag without progress before the leader proposes a {@link MetadataCommand.Nudge}. */
    static final int STALL_TICKS = 20;
    private final Map<NodeId, long[]> stall = new HashMap<>(); // node -> {last match, ticks unchanged}

    private void nudgeStalledFollowers() {
        if (!node.isReadyForWrites()) {
            stall.clear();
            return;
        }
        long last = node.status().lastIndex();
        boolean nudge = false;
        for (io.cairn.core.raft.PeerProgress p : node.progress()) {
            if (p.node().equals(self)) continue;
            long[] s = stall.computeIfAbsent(p.node(), k -> new long[] {-1, 0});
            if (p.matchIndex() >= last || p.matchIndex() != s[0]) {
                s[0] = p.matchIndex();
                s[1] = 0;
            } else if (p.recentlyActive() && ++s[1] >= STALL_TICKS) {
                // Only a follower that answers heartbeats counts: a dead one must not grow the log.
                nudge = true;
                s[1] = 0;
            }
        }
        if (nudge && pending.size() < PENDING_PROPOSALS_MAX) {
            node.propose(EntryType.NORMAL, new MetadataCommand.Nudge().encode());
            drive();
        }
    }

    /** Handles every pending Ready in the order {@link Ready} documents. Metadata thread only. */
    private void drive() {
        try {
            while (node.hasReady()) {
                Ready rd = node.ready();
                sender.sendAll(rd.messages());
                Invariants.check(rd.snapshot().isEmpty(), "metadata log is never compacted, yet got %s", rd.snapshot());
                if (rd.truncateFromIndex() != 0) storage.truncateFrom(rd.truncateFromIndex());
                storage.append(rd.entries());
                // Entries and term/vote durable before any ack or vote leaves: else a crash could
                // forget an entry a leader counted toward commit, or a vote already cast.
                if (!rd.entries().isEmpty()) storage.sync();
                if (rd.hardState().isPresent()) storage.saveHardState(rd.hardState().get());
                apply(rd.committedEntries());
                // Read states name an index at or below the commit index; the caller waits for its
                // own apply, so answering here (before advance) is safe.
                for (io.cairn.core.raft.ReadState rs : rd.readStates()) {
                    PendingRead r = pendingReads.remove(rs.context());
                    if (r != null) r.future().complete(rs.index());
                }
                node.advance(rd);
                sender.sendAll(rd.messagesAfterPersist());
                if (!rd.entries().isEmpty()) {
                    Entry last = rd.entries().get(rd.entries().size() - 1);
                    node.persisted(last.index(), last.term());
                }
            }
            status = node.status();
        } catch (IOException e) {
            fatal.accept(e);
        }
    }

    private void apply(List<Entry> committed) {
        if (!committed.isEmpty()) {
            try {
                applyEntries(committed);
            } finally {
                listener.appliedThrough(appliedIndex);
            }
        }
    }

    private void applyEntries(List<Entry> committed) {
        for (Entry e : committed) {
            Object outcome = null;
            switch (e.type()) {
                case NORMAL -> {
                    MetadataCommand cmd = MetadataCommand.decode(e.data());
                    MetadataState.Applied a = state.apply(cmd);
                    state = a.state();
                    outcome = a.result();
                    listener.applied(a.state(), cmd, a.result());
                }
                case CONFIG_CHANGE -> {
                    ConfigChange c = ConfigChange.decode(e.data());
                    log.info("metadata group applied {} of {}", c.type(), c.node());
                    listener.membershipChanged(node.status().membership());
                }
                case NOOP -> { }
            }
            appliedIndex = e.index();
            Pending p = pending.remove(e.index());
            if (p == null) continue;
            if (p.term() == e.term()) {
                p.future().complete(outcome);
            } else {
                p.future().completeExceptionally(new BrokerException.Unavailable("leader_changed",
                        "the metadata leader changed before the change committed; it did not take effect, retry", 500));
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (storage != null) storage.close();
        } catch (IOException e) {
            log.warn("closing the metadata log: {}", e.toString());
        }
    }
}
