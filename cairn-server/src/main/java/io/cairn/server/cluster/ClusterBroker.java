package io.cairn.server.cluster;

import io.cairn.storage.DurableFiles;
import io.cairn.core.GroupId;
import io.cairn.core.NodeId;
import io.cairn.core.raft.Membership;
import io.cairn.server.broker.Broker;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionFactory.PartitionSettings;
import io.cairn.server.broker.PartitionFactory.PartitionSpec;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.cluster.metadata.MetadataCommand;
import io.cairn.server.cluster.metadata.MetadataGroup;
import io.cairn.server.cluster.metadata.MetadataState;
import io.cairn.server.cluster.metadata.NodeInfo;
import io.cairn.server.cluster.metadata.TopicMeta;
import io.cairn.server.replica.PartitionReplica;
import io.cairn.server.replica.ReplicaFactory;
import io.cairn.server.transport.PeerMessage;
import io.cairn.server.transport.PeerStats;
import io.cairn.server.transport.PeerTransport;
import io.cairn.core.raft.RaftMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Broker} of a cluster node. Topics live in the metadata group; this node opens a
 * replica (a multi-voter Raft group over the peer transport) for every partition placed on it and
 * answers for the others with a redirect to a node that holds one.
 *
 * <p>Topic changes (create, delete, retention) are proposed to the metadata group; a node that is
 * not the metadata leader answers 307 to the leader's URL, exactly like a produce sent to a
 * partition follower. Every node applies committed changes and then {@linkplain #reconcile()
 * reconciles} its local replicas on one admin thread (opening and deleting files never runs on
 * the metadata thread or an event loop).
 */
public final class ClusterBroker implements Broker, MetadataGroup.Listener {
    private static final Logger log = LoggerFactory.getLogger(ClusterBroker.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    /** How long a topic creation waits for the new partitions on this node to elect leaders. */
    static final long CREATE_SETTLE_MS = 10_000;
    /**
     * How long a node that does not know a topic spends confirming with the metadata leader that
     * it has seen every acknowledged change (ask for the leader's read index, then apply and open
     * up to it) before it answers; past this the request gets 503, never a wrong 404.
     */
    static final long METADATA_CATCH_UP_MS = 5_000;
    /** Bound on requests waiting for this node to apply metadata up to an index; more get 429. */
    static final int APPLY_WAITERS_MAX = 10_000;
    /**
     * How long a topic deletion waits for every connected node to close the topic's replicas, so
     * that no node still accepts a write into it after the 200.
     */
    static final long DELETE_SETTLE_MS = 5_000;

    /** A topic as this node serves it: the metadata, and a handle per partition (local or remote). */
    record LocalTopic(TopicMeta meta, PartitionHandle[] handles) {}

    private final NodeId self;
    private final Path topicsDir;
    private final PartitionSettings settings;
    private final ReplicaFactory factory;
    private final RaftRouter router;
    private final PeerTransport<PeerMessage> transport;
    private final long dedupeWindowMs;
    private final long dedupeWindowKeys;
    private volatile MetadataGroup metadata;
    private final ConcurrentHashMap<String, LocalTopic> topics = new ConcurrentHashMap<>();
    private final ExecutorService admin = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cairn-cluster-admin");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean reconcileQueued = new AtomicBoolean();
    private volatile long reconciledTopicsVersion;
    private volatile String openFailure;
    private volatile PeerHttp peerHttp;
    /** The metadata applied index that {@link #topics} reflects (read before the state it reconciled). */
    private volatile long reconciledIndex;

    /** A request waiting until {@link #topics} reflects metadata up to {@code index}. */
    private record ApplyWaiter(long index, CompletableFuture<Void> future) {}

    /** Guarded by itself; bounded by {@link #APPLY_WAITERS_MAX}. */
    private final List<ApplyWaiter> applyWaiters = new ArrayList<>();
    /**
     * Read-index rounds to the metadata leader, one in flight at a time: a request that finds one
     * in flight waits for the next (its answer must come from a round that started after the
     * request saw its miss, or it could predate the change the request is looking for), and every
     * request arriving meanwhile shares that next round. Guarded by {@link #applyWaiters}.
     */
    private CompletableFuture<Long> nextReadRound;
    private boolean readRoundInFlight;

    public ClusterBroker(NodeId self, Path dataDir, PartitionSettings settings, ReplicaFactory factory, RaftRouter router,
                         PeerTransport<PeerMessage> transport) {
        this.self = self;
        this.topicsDir = dataDir.resolve("topics");
        this.settings = settings;
        this.factory = factory;
        this.router = router;
        this.transport = transport;
        this.dedupeWindowMs = settings.dedupeWindowMs();
        this.dedupeWindowKeys = settings.dedupeWindowKeysMax();
    }

    /** The client this node uses to ask other nodes for their replicas' group offsets. */
    void usePeerHttp(PeerHttp http) {
        this.peerHttp = http;
    }

    public void attach(MetadataGroup metadata) {
        this.metadata = metadata;
        requestReconcile();
    }

    // ------------------------------------------------------------------ metadata listener

    @Override
    public void applied(MetadataState state, MetadataCommand command, MetadataState.Result result) {
        if (command instanceof MetadataCommand.AddNode a && result.changed()) {
            transport.addPeer(new io.cairn.server.transport.PeerAddress(a.id(), a.peerHost(), a.peerPort()));
        }
        if (command instanceof MetadataCommand.RemoveNode r && result.changed() && !r.id().equals(self.value())) {
            transport.removePeer(r.id());
        }
        requestReconcile();
    }

    @Override
    public void appliedThrough(long index) {
        // No-op and membership entries change no topic but still move the applied index that
        // waiting requests compare with; a (coalesced) reconcile pass records it.
        if (index > reconciledIndex) requestReconcile();
    }

    private void requestReconcile() {
        if (reconcileQueued.compareAndSet(false, true)) {
            admin.execute(() -> {
                reconcileQueued.set(false);
                try {
                    reconcile();
                } catch (Throwable t) {
                    openFailure = t.toString();
                    log.error("reconciling local replicas with the metadata failed", t);
                }
            });
        }
    }

    /** Opens replicas newly placed here, closes and deletes those of deleted topics. Admin thread only. */
    private void reconcile() throws IOException {
        MetadataGroup m = metadata;
        if (m == null) return;
        // The index first: the state read after it is at least that new (MetadataGroup writes
        // the state before the index), so a waiter released at this index finds its topic.
        long index = m.appliedIndex();
        MetadataState state = m.state();
        for (TopicMeta t : state.topics().values()) {
            LocalTopic local = topics.get(t.name());
            if (local != null && local.meta().topicId() == t.topicId()) {
                if (!local.meta().equals(t)) topics.put(t.name(), new LocalTopic(t, replaceMovedReplicas(local, t)));
                continue;
            }
            if (local != null) drop(local);
            topics.put(t.name(), open(t));
        }
        for (LocalTopic local : List.copyOf(topics.values())) {
            TopicMeta now = state.topics().get(local.meta().name());
            if (now == null || now.topicId() != local.meta().topicId()) {
                drop(local);
                if (now == null) topics.remove(local.meta().name(), local);
            }
        }
        reconciledTopicsVersion++;
        openFailure = null;
        reconciledIndex = index;
        releaseApplyWaiters();
    }

    private void releaseApplyWaiters() {
        List<ApplyWaiter> ready = new ArrayList<>();
        synchronized (applyWaiters) {
            long done = reconciledIndex;
            for (var it = applyWaiters.iterator(); it.hasNext(); ) {
                ApplyWaiter w = it.next();
                if (w.index() <= done || w.future().isDone()) {
                    it.remove();
                    ready.add(w);
                }
            }
        }
        for (ApplyWaiter w : ready) w.future().complete(null);
    }

    // ------------------------------------------------------------------ seeing the latest metadata

    /**
     * Completes once this node serves topics (and their local replicas) from metadata at least as
     * new as {@code index}; fails with 503 after {@code timeoutMs}. Never blocks a thread.
     */
    public CompletableFuture<Void> awaitReconciled(long index, long timeoutMs) {
        if (reconciledIndex >= index) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (applyWaiters) {
            if (applyWaiters.size() >= APPLY_WAITERS_MAX) {
                return CompletableFuture.failedFuture(new BrokerException.Overloaded(
                        "too many requests waiting for this node to apply metadata"));
            }
            applyWaiters.add(new ApplyWaiter(index, f));
        }
        requestReconcile();
        return f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).exceptionallyCompose(t -> {
            if (!(unwrap(t) instanceof java.util.concurrent.TimeoutException)) return CompletableFuture.failedFuture(t);
            MetadataGroup m = metadata;
            return CompletableFuture.failedFuture(new BrokerException.Unavailable("metadata_behind", "node " + self
                    + " has not applied the cluster's metadata up to index " + index + " within " + timeoutMs
                    + " ms (applied " + (m == null ? 0 : m.appliedIndex()) + ", serving " + reconciledIndex + ")", 1000));
        });
    }

    /**
     * Called when this node is about to answer 404 for a topic or partition: makes sure it has
     * seen every metadata change acknowledged before the call (the topic may have been created
     * through another node a moment ago). Asks the metadata leader for its read index (Raft
     * ReadIndex, confirmed by a quorum), then waits until this node applied and opened up to it.
     * Completes with true when the node is caught up (look again: the answer is now
     * authoritative); fails with 503 when the leader cannot be asked or the node cannot catch up
     * within {@link #METADATA_CATCH_UP_MS}.
     */
    @Override
    public CompletableFuture<Boolean> catchUpMetadata() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(METADATA_CATCH_UP_MS);
        return leaderReadIndex().thenCompose(index -> awaitReconciled(index,
                Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())))).thenApply(v -> true);
    }

    /** The metadata leader's read index from a round that starts after this call (coalesced, see {@link #nextReadRound}). */
    private CompletableFuture<Long> leaderReadIndex() {
        CompletableFuture<Long> mine;
        boolean start = false;
        synchronized (applyWaiters) {
            if (nextReadRound == null) nextReadRound = new CompletableFuture<>();
            mine = nextReadRound;
            if (!readRoundInFlight) {
                readRoundInFlight = true;
                nextReadRound = null;
                start = true;
            }
        }
        if (start) runReadRound(mine);
        return mine;
    }

    private void runReadRound(CompletableFuture<Long> round) {
        askLeaderForReadIndex().whenComplete((index, t) -> {
            if (t != null) round.completeExceptionally(unwrap(t));
            else round.complete(index);
            CompletableFuture<Long> next;
            synchronized (applyWaiters) {
                next = nextReadRound;
                nextReadRound = null;
                readRoundInFlight = next != null;
            }
            if (next != null) runReadRound(next);
        });
    }

    private CompletableFuture<Long> askLeaderForReadIndex() {
        MetadataGroup m = metadata;
        if (m == null) {
            return CompletableFuture.failedFuture(new BrokerException.Unavailable("starting", "the metadata group is starting", 1000));
        }
        CompletableFuture<Long> answer;
        if (m.isLeader()) {
            answer = m.readIndex();
        } else {
            Optional<String> leader = m.leaderId();
            NodeInfo info = leader.map(id -> m.state().nodes().get(id)).orElse(null);
            PeerHttp http = peerHttp;
            if (info == null || http == null) {
                return CompletableFuture.failedFuture(new BrokerException.Unavailable("no_metadata_leader",
                        "node " + self + " does not know this topic and cannot ask the metadata leader whether it exists:"
                                + " the metadata group has no leader right now", 1000));
            }
            answer = http.send("GET", info.httpUrl() + "/cluster/metadata/read-index", null,
                    java.time.Duration.ofMillis(METADATA_CATCH_UP_MS)).thenApply(reply -> {
                        if (reply.isPresent() && reply.get().status() == 200 && reply.get().body() != null
                                && reply.get().body().path("index").canConvertToLong()) {
                            return reply.get().body().path("index").asLong();
                        }
                        throw new BrokerException.Unavailable("metadata_leader_unreachable", "node " + self
                                + " does not know this topic and could not confirm with the metadata leader " + info.id()
                                + " whether it exists: " + reply.map(PeerHttp.Reply::describe).orElse("no answer"), 1000);
                    });
        }
        return answer.orTimeout(METADATA_CATCH_UP_MS, TimeUnit.MILLISECONDS).exceptionallyCompose(t -> {
            Throwable c = unwrap(t);
            if (c instanceof java.util.concurrent.TimeoutException) {
                c = new BrokerException.Unavailable("metadata_leader_unreachable", "the metadata leader did not confirm"
                        + " its read index within " + METADATA_CATCH_UP_MS + " ms", 1000);
            } else if (c instanceof BrokerException.NotLeader) {
                c = new BrokerException.Unavailable("metadata_leader_changed", "the metadata leader changed while node "
                        + self + " asked it; retry", 200);
            }
            return CompletableFuture.failedFuture(c);
        });
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) t = t.getCause();
        return t;
    }

    /**
     * Follows replica moves ({@link MetadataCommand.SetReplicas}): opens a replica newly placed
     * here, closes and deletes one no longer placed here, and points remote handles at the new
     * replica list. A new array, so readers of the old one never see a half-updated topic.
     */
    private PartitionHandle[] replaceMovedReplicas(LocalTopic local, TopicMeta t) throws IOException {
        PartitionHandle[] handles = local.handles().clone();
        for (int p = 0; p < t.partitions(); p++) {
            List<String> before = local.meta().replicasOf(p);
            List<String> now = t.replicasOf(p);
            if (before.equals(now)) continue;
            boolean here = handles[p] instanceof PartitionReplica;
            if (now.contains(self.value())) {
                if (!here) handles[p] = openReplica(t, p, topicsDir.resolve(t.name()));
            } else {
                if (here) {
                    // The metadata records a move only after the partition's Raft group removed
                    // this node, so nothing here is still needed: the other replicas hold it all.
                    router.unregister(t.groupId(p));
                    ((PartitionReplica) handles[p]).close();
                    deleteTree(topicsDir.resolve(t.name()).resolve(Integer.toString(p)));
                    log.info("replica of {}/{} moved away from this node; its files are deleted", t.name(), p);
                }
                int partition = p;
                handles[p] = new RemotePartition(p, now, () -> redirectToReplica(t.name(), partition));
            }
        }
        return handles;
    }

    private LocalTopic open(TopicMeta t) throws IOException {
        Path dir = topicsDir.resolve(t.name());
        Path idFile = dir.resolve("topic-id");
        // A directory left by an earlier topic of the same name (deleted while this node was down)
        // must not lend its records to the new topic: the topic id tells them apart.
        // The id is written atomically and durably before any partition data (below), so an id file
        // is either whole or absent; an empty one can only be a leftover of a build that wrote it
        // without fsync, before any data could depend on it, and is rewritten rather than trusted.
        // (The power-loss fault found that: an empty id after a cut deleted a whole topic.)
        String onDisk = Files.exists(idFile) ? Files.readString(idFile).trim() : "";
        if (!onDisk.isEmpty() && !onDisk.equals(Long.toString(t.topicId()))) {
            deleteTree(dir);
            onDisk = "";
        }
        DurableFiles.createDirectories(dir);
        if (onDisk.isEmpty()) {
            DurableFiles.writeAtomically(idFile, (t.topicId() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        PartitionHandle[] handles = new PartitionHandle[t.partitions()];
        for (int p = 0; p < t.partitions(); p++) {
            List<String> replicas = t.replicasOf(p);
            if (!replicas.contains(self.value())) {
                int partition = p;
                handles[p] = new RemotePartition(p, replicas, () -> redirectToReplica(t.name(), partition));
                continue;
            }
            handles[p] = openReplica(t, p, dir);
        }
        log.info("opened topic {} (id {}): {} partitions, replicas here: {}", t.name(), t.topicId(), t.partitions(),
                Stream.of(handles).filter(h -> h instanceof PartitionReplica).count());
        return new LocalTopic(t, handles);
    }

    private PartitionReplica openReplica(TopicMeta t, int p, Path dir) throws IOException {
        List<String> replicas = t.replicasOf(p);
        Path pdir = dir.resolve(Integer.toString(p));
        boolean fresh = !Files.exists(pdir);
        // A replica being added by a move is the one appended beyond the replication factor. It
        // starts outside the group, as a joining node does for the metadata group, and learns the
        // membership from the leader's log (or snapshot) once the leader adds it as a learner;
        // counting itself a voter would let it campaign in a group that never admitted it.
        boolean joining = replicas.size() > t.replicationFactor() && replicas.get(replicas.size() - 1).equals(self.value());
        Set<NodeId> voters = new HashSet<>();
        for (String r : replicas) voters.add(NodeId.of(r));
        if (joining) voters.remove(self);
        GroupId group = GroupId.of(t.groupId(p));
        PartitionReplica replica = factory.open(new PartitionSpec(t.name(), p, pdir, settings), group,
                new Membership(voters, Set.of()));
        router.registerWithFrames(group.value(), replica::deliver);
        if (fresh && !joining && replicas.get(0).equals(self.value()) && replicas.size() > 1) {
            // The preferred leader campaigns at once so leaders start out spread as placed,
            // instead of wherever the first election timeout happens to fire.
            replica.withRaft(r -> {
                r.campaign();
                return null;
            });
        }
        return replica;
    }

    private void drop(LocalTopic local) throws IOException {
        for (int p = 0; p < local.handles().length; p++) {
            PartitionHandle h = local.handles()[p];
            if (h instanceof PartitionReplica r) {
                router.unregister(local.meta().groupId(p));
                r.close();
            }
        }
        deleteTree(topicsDir.resolve(local.meta().name()));
        log.info("deleted topic {} (id {}) from this node", local.meta().name(), local.meta().topicId());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** A redirect to a node holding a replica: the first one this node is connected to, preferred leader first. */
    BrokerException redirectToReplica(String topic, int partition) {
        return redirectToReplica(topic, partition, Set.of());
    }

    /** As {@link #redirectToReplica(String, int)}, never to a node in {@code except}. */
    BrokerException redirectToReplica(String topic, int partition, Set<String> except) {
        LocalTopic t = topics.get(topic);
        MetadataGroup m = metadata;
        if (t == null || m == null) return new BrokerException.NotFound("topic_not_found", "no topic '" + topic + "'");
        List<String> replicas = t.meta().replicasOf(partition);
        String target = null;
        for (String r : replicas) {
            if (except.contains(r)) continue;
            PeerStats s = transport.stats(r);
            if (s != null && s.connected()) {
                target = r;
                break;
            }
        }
        if (target == null) {
            return new BrokerException.Unavailable("no_replica_reachable", "no replica of " + topic + "/" + partition
                    + " " + replicas + " is reachable from " + self, 1000);
        }
        NodeInfo info = m.state().nodes().get(target);
        return new BrokerException.NotLeader(target, info.httpUrl());
    }

    /** The HTTP base URL of a node, for redirects to partition leaders. */
    public Optional<String> httpUrl(NodeId node) {
        MetadataGroup m = metadata;
        if (m == null) return Optional.empty();
        NodeInfo info = m.state().nodes().get(node.value());
        return Optional.ofNullable(info).map(NodeInfo::httpUrl);
    }

    // ------------------------------------------------------------------ Broker

    @Override
    public CompletableFuture<TopicCreated> createTopic(TopicSpec spec) {
        if (!NAME.matcher(spec.name()).matches()) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_topic",
                    "topic names must match [A-Za-z0-9._-]{1,249}"));
        }
        MetadataGroup m = metadata;
        int nodes = m.state().nodes().size();
        if (nodes == 0) {
            return CompletableFuture.failedFuture(new BrokerException.Unavailable("bootstrapping",
                    "the cluster has not committed its node list yet; retry in a moment", 500));
        }
        int rf = spec.replicationFactor() == 0 ? Math.min(3, nodes) : spec.replicationFactor();
        if (rf < 1 || rf > nodes) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_replication_factor",
                    "replication_factor must be between 1 and the number of nodes (" + nodes + "), got " + spec.replicationFactor()));
        }
        if (spec.partitions() < 1 || spec.partitions() > TopicMeta.PARTITIONS_MAX) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_partitions",
                    "partitions must be between 1 and " + TopicMeta.PARTITIONS_MAX));
        }
        Retention r = spec.retention() == null ? Retention.NONE : spec.retention();
        return m.propose(new MetadataCommand.CreateTopic(spec.name(), spec.partitions(), rf, r.ms(), r.bytes()))
                .thenCompose(result -> {
                    if (result.error() != null) throw toException(result);
                    TopicSpec created = toSpec(result.topic());
                    return awaitLocal(result.topic()).thenApply(v -> new TopicCreated(created, result.changed()));
                });
    }

    /** Completes once this node has opened the topic's replicas and each has a known leader (bounded). */
    private CompletableFuture<Void> awaitLocal(TopicMeta t) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CREATE_SETTLE_MS);
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            LocalTopic local = topics.get(t.name());
            boolean done = local != null && local.meta().topicId() == t.topicId()
                    && Stream.of(local.handles()).allMatch(h -> !(h instanceof PartitionReplica) || h.status().leaderId() != null);
            if (done || System.nanoTime() > deadline) {
                f.complete(null);
            } else {
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS).execute(check[0]);
            }
        };
        check[0].run();
        return f;
    }

    private static BrokerException toException(MetadataState.Result r) {
        return switch (r.error()) {
            case "topic_exists" -> new BrokerException.Conflict(r.error(), r.message());
            case "topic_not_found" -> new BrokerException.NotFound(r.error(), r.message());
            case "node_in_use", "node_exists" -> new BrokerException.Conflict(r.error(), r.message());
            case "node_not_found" -> new BrokerException.NotFound(r.error(), r.message());
            default -> new BrokerException.BadRequest(r.error(), r.message());
        };
    }

    private static TopicSpec toSpec(TopicMeta t) {
        Retention r = t.retentionMs() == null && t.retentionBytes() == null ? Retention.NONE
                : new Retention(t.retentionMs(), t.retentionBytes());
        return new TopicSpec(t.name(), t.partitions(), t.replicationFactor(), r);
    }

    @Override
    public List<TopicSpec> listTopics() {
        return metadata.state().topics().values().stream().map(ClusterBroker::toSpec).toList();
    }

    @Override
    public TopicDescription describeTopic(String topic) {
        LocalTopic t = local(topic);
        List<PartitionHandle.Status> statuses = new ArrayList<>();
        for (PartitionHandle h : t.handles()) statuses.add(h.status());
        return new TopicDescription(toSpec(t.meta()), statuses, dedupeWindowMs, dedupeWindowKeys);
    }

    private LocalTopic local(String topic) {
        LocalTopic t = topics.get(topic);
        if (t == null) throw new BrokerException.NotFound("topic_not_found", "no topic '" + topic + "'");
        return t;
    }

    /**
     * Deletes through the metadata leader and answers only once every connected node has closed
     * the topic's replicas: a node that had not applied the delete yet would otherwise still accept
     * a write into the deleted topic after the 200 (as partition leader, or as one voter of a
     * majority). A node the leader is not connected to is down or cut off; it applies the delete
     * before it serves anything the cluster acknowledges (README-cluster.md).
     */
    @Override
    public CompletableFuture<Void> deleteTopic(String topic) {
        MetadataGroup m = metadata;
        return m.propose(new MetadataCommand.DeleteTopic(topic)).thenCompose(r -> {
            if (r.error() != null) throw toException(r);
            return awaitEveryConnectedNode(m.appliedIndex(), "deleted topic '" + topic + "'");
        });
    }

    /**
     * Completes when this node and every other node this one is connected to have applied (and
     * acted on) the metadata up to {@code index}; fails with 503 naming the nodes that did not
     * confirm within {@link #DELETE_SETTLE_MS}. The change itself has taken effect either way.
     */
    private CompletableFuture<Void> awaitEveryConnectedNode(long index, String what) {
        MetadataGroup m = metadata;
        PeerHttp http = peerHttp;
        Map<String, CompletableFuture<Boolean>> confirmations = new java.util.TreeMap<>();
        confirmations.put(self.value(), awaitReconciled(index, DELETE_SETTLE_MS).handle((v, t) -> t == null));
        for (NodeInfo n : m.state().nodes().values()) {
            if (n.id().equals(self.value()) || http == null) continue;
            PeerStats s = transport.stats(n.id());
            if (s == null || !s.connected()) continue;
            confirmations.put(n.id(), http.send("GET", n.httpUrl() + "/cluster/metadata/applied?index=" + index, null,
                    java.time.Duration.ofMillis(DELETE_SETTLE_MS)).thenApply(reply -> reply.isPresent() && reply.get().ok()));
        }
        return CompletableFuture.allOf(confirmations.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> missing = confirmations.entrySet().stream().filter(e -> !e.getValue().join()).map(Map.Entry::getKey).toList();
            if (!missing.isEmpty()) {
                throw new BrokerException.Unavailable("not_applied_everywhere", what + " (committed), but node(s) " + missing
                        + " did not confirm applying it within " + DELETE_SETTLE_MS + " ms; until they do, they may still"
                        + " serve it", 1000);
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> setRetention(String topic, Retention retention) {
        Retention r = retention == null ? Retention.NONE : retention;
        return metadata.propose(new MetadataCommand.SetRetention(topic, r.ms(), r.bytes())).thenAccept(res -> {
            if (res.error() != null) throw toException(res);
        });
    }

    @Override
    public PartitionHandle partition(String topic, int partition) {
        LocalTopic t = local(topic);
        if (partition < 0 || partition >= t.handles().length) {
            throw new BrokerException.NotFound("partition_not_found", "topic '" + topic + "' has no partition " + partition);
        }
        return t.handles()[partition];
    }

    /** This node's replicas only; {@link #groupOffsets} gives the cluster-wide answer. */
    @Override
    public List<GroupOffset> describeGroup(String group) {
        List<GroupOffset> out = new ArrayList<>();
        for (LocalTopic t : topics.values()) {
            for (PartitionHandle h : t.handles()) {
                if (!(h instanceof PartitionReplica)) continue;
                long c = h.committedOffset(group);
                if (c < 0) continue;
                PartitionHandle.Status st = h.status();
                long hw = st.highWatermark();
                out.add(new GroupOffset(t.meta().name(), st.partition(), c, hw, Math.max(0, hw - c - 1),
                        self.value().equals(st.leaderId())));
            }
        }
        out.sort(Comparator.comparing(GroupOffset::topic).thenComparingInt(GroupOffset::partition));
        return out;
    }

    /** How long one node may take to report its replicas' group offsets before it is left out. */
    static final long GROUP_QUERY_TIMEOUT_MS = 3_000;

    /**
     * Asks every node for its replicas' offsets of the group (one request per node, in parallel)
     * and keeps, per partition, the leader's answer: committed offsets are replicated through each
     * partition's Raft group, so the leader's is the freshest. A partition whose leader did not
     * answer keeps the highest offset a follower reported (offsets never move backwards), marked
     * {@code from_leader: false}.
     */
    @Override
    public CompletableFuture<List<GroupOffset>> groupOffsets(String group, boolean thisNodeOnly) {
        List<GroupOffset> local = describeGroup(group);
        MetadataGroup m = metadata;
        PeerHttp http = peerHttp;
        if (thisNodeOnly || m == null || http == null) return CompletableFuture.completedFuture(local);
        List<CompletableFuture<List<GroupOffset>>> answers = new ArrayList<>();
        answers.add(CompletableFuture.completedFuture(local));
        String path = "/broker/groups/" + java.net.URLEncoder.encode(group, StandardCharsets.UTF_8) + "?scope=node";
        for (NodeInfo n : m.state().nodes().values()) {
            if (n.id().equals(self.value())) continue;
            answers.add(http.send("GET", n.httpUrl() + path, null, java.time.Duration.ofMillis(GROUP_QUERY_TIMEOUT_MS))
                    .thenApply(ClusterBroker::groupOffsetsFrom));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, GroupOffset> best = new java.util.TreeMap<>();
            MetadataState state = m.state();
            for (CompletableFuture<List<GroupOffset>> a : answers) {
                for (GroupOffset o : a.join()) {
                    TopicMeta t = state.topics().get(o.topic());
                    if (t == null || o.partition() < 0 || o.partition() >= t.partitions()) continue;
                    best.merge(o.topic() + "\u0000" + o.partition(), o, ClusterBroker::fresher);
                }
            }
            List<GroupOffset> out = new ArrayList<>(best.values());
            out.sort(Comparator.comparing(GroupOffset::topic).thenComparingInt(GroupOffset::partition));
            return out;
        });
    }

    private static GroupOffset fresher(GroupOffset a, GroupOffset b) {
        if (a.fromLeader() != b.fromLeader()) return a.fromLeader() ? a : b;
        if (a.committedOffset() != b.committedOffset()) return a.committedOffset() > b.committedOffset() ? a : b;
        return a.highWatermark() >= b.highWatermark() ? a : b;
    }

    private static List<GroupOffset> groupOffsetsFrom(Optional<PeerHttp.Reply> reply) {
        if (reply.isEmpty() || reply.get().status() != 200 || reply.get().body() == null) return List.of();
        List<GroupOffset> out = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode p : reply.get().body().path("partitions")) {
            out.add(new GroupOffset(p.path("topic").asText(), p.path("partition").asInt(-1), p.path("committed_offset").asLong(),
                    p.path("high_watermark").asLong(), p.path("lag").asLong(), p.path("from_leader").asBoolean(false)));
        }
        return out;
    }

    @Override
    public Optional<String> notReadyReason() {
        MetadataGroup m = metadata;
        if (m == null) return Optional.of("the metadata group is starting");
        if (m.leaderId().isEmpty()) return Optional.of("the metadata group has no leader yet");
        if (openFailure != null) return Optional.of("opening partition replicas failed: " + openFailure);
        return Optional.empty();
    }

    /** Every replica hosted on this node, for leadership transfer and status. */
    public Map<String, LocalTopic> localTopics() {
        return Map.copyOf(topics);
    }

    @Override
    public void close() {
        admin.shutdown();
        try {
            admin.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (LocalTopic t : topics.values()) {
            for (int p = 0; p < t.handles().length; p++) {
                if (t.handles()[p] instanceof PartitionReplica r) {
                    router.unregister(t.meta().groupId(p));
                    r.close();
                }
            }
        }
        factory.close();
    }
}
