package io.cairn.server.cluster;

import io.cairn.core.NodeId;
import io.cairn.core.raft.PeerProgress;
import io.cairn.core.raft.Role;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.ClusterView.LeaderMove;
import io.cairn.server.broker.ClusterView.RebalanceResult;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.cluster.metadata.MetadataGroup;
import io.cairn.server.cluster.metadata.MetadataState;
import io.cairn.server.cluster.metadata.TopicMeta;
import io.cairn.server.replica.PartitionReplica;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads partition leaders evenly again after failovers, the way Kafka's preferred-leader
 * election does: placement makes the first replica of each partition its <em>preferred
 * leader</em> and spreads those evenly over the nodes, so handing every partition back to its
 * preferred leader restores the spread. Each node does this for the partitions it leads, from what
 * it sees itself (no coordinator): a partition moves once its preferred replica is a voter, has
 * answered within the last election timeout and has every committed entry, and has stayed so for
 * {@code delayMs} (a node that just restarted first proves itself healthy). A node being removed
 * is never handed leadership.
 *
 * <p>Bounds: one pass every {@link #CHECK_MS}; one entry per partition this node leads in the
 * healthy-since table; at most one pass at a time.
 */
final class LeaderBalancer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderBalancer.class);
    static final long CHECK_MS = 1_000;

    private final NodeId self;
    private final ClusterBroker broker;
    private final MetadataGroup metadata;
    /** Transfers one partition's leadership to a node and completes when it moved (ClusterControl's transfer). */
    private final BiFunction<PartitionReplica, String, CompletableFuture<Void>> transfer;
    private final long delayMs;
    private final Map<Long, Long> healthySinceNanos = new ConcurrentHashMap<>();
    private final AtomicBoolean passRunning = new AtomicBoolean();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cairn-leader-balancer");
        t.setDaemon(true);
        return t;
    });

    LeaderBalancer(NodeId self, ClusterBroker broker, MetadataGroup metadata,
                   BiFunction<PartitionReplica, String, CompletableFuture<Void>> transfer, long delayMs) {
        this.self = self;
        this.broker = broker;
        this.metadata = metadata;
        this.transfer = transfer;
        this.delayMs = delayMs;
    }

    /** Starts the automatic passes; with {@code delayMs} 0 leaders move only on request. */
    void start() {
        if (delayMs > 0) thread.scheduleWithFixedDelay(this::pass, CHECK_MS, CHECK_MS, TimeUnit.MILLISECONDS);
    }

    /** A partition this node leads whose preferred leader is another node. */
    private record Candidate(String topic, int partition, long groupId, PartitionReplica replica, String preferred) {}

    private List<Candidate> candidates() {
        MetadataState s = metadata.state();
        List<Candidate> out = new ArrayList<>();
        for (ClusterBroker.LocalTopic t : broker.localTopics().values()) {
            TopicMeta meta = s.topics().get(t.meta().name());
            if (meta == null || meta.topicId() != t.meta().topicId()) continue;
            for (int p = 0; p < t.handles().length; p++) {
                PartitionHandle h = t.handles()[p];
                if (!(h instanceof PartitionReplica r) || !self.value().equals(r.status().leaderId())) continue;
                String preferred = meta.replicasOf(p).get(0);
                if (preferred.equals(self.value()) || s.draining().contains(preferred)) continue;
                out.add(new Candidate(meta.name(), p, meta.groupId(p), r, preferred));
            }
        }
        return out;
    }

    /** Whether the preferred replica could lead now: a voter, recently heard from, caught up. */
    private CompletableFuture<Boolean> preferredIsReady(Candidate c) {
        NodeId preferred = NodeId.of(c.preferred());
        return c.replica().withRaft(raft -> {
            if (raft.role() != Role.LEADER) return false;
            for (PeerProgress p : raft.progress()) {
                if (p.node().equals(preferred)) {
                    // Within a few entries of the end counts too: under steady writes an exact
                    // match is rare, and the transfer itself catches the target up first.
                    boolean caughtUp = p.matchIndex() >= raft.commitIndex()
                            || raft.status().lastIndex() - p.matchIndex() <= ReplicaMove.PROMOTE_LAG_ENTRIES_MAX;
                    return p.voter() && p.recentlyActive() && caughtUp;
                }
            }
            return false;
        }).exceptionally(t -> false);
    }

    private void pass() {
        if (!passRunning.compareAndSet(false, true)) return;
        try {
            List<Candidate> cs = candidates();
            healthySinceNanos.keySet().retainAll(cs.stream().map(Candidate::groupId).toList());
            List<CompletableFuture<Void>> steps = new ArrayList<>();
            long now = System.nanoTime();
            for (Candidate c : cs) {
                steps.add(preferredIsReady(c).thenCompose(ready -> {
                    if (!ready) {
                        healthySinceNanos.remove(c.groupId());
                        return CompletableFuture.completedFuture(null);
                    }
                    long since = healthySinceNanos.computeIfAbsent(c.groupId(), k -> now);
                    if (now - since < TimeUnit.MILLISECONDS.toNanos(delayMs)) return CompletableFuture.completedFuture(null);
                    healthySinceNanos.remove(c.groupId());
                    log.info("handing leadership of {}/{} back to its preferred leader {}", c.topic(), c.partition(), c.preferred());
                    return transfer.apply(c.replica(), c.preferred()).exceptionally(t -> {
                        log.info("leadership of {}/{} did not move to {}: {}", c.topic(), c.partition(), c.preferred(), t.toString());
                        return null;
                    });
                }));
            }
            // Bounded: each transfer gives up after ClusterControl.TRANSFER_TIMEOUT_MS.
            CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> passRunning.set(false));
        } catch (RuntimeException e) {
            passRunning.set(false);
            log.warn("leader balancing pass failed", e);
        }
    }

    /** One pass now, without the healthy-for-a-while delay: {@code POST /cluster/rebalance}. */
    CompletableFuture<RebalanceResult> rebalanceNow() {
        List<LeaderMove> moved = Collections.synchronizedList(new ArrayList<>());
        List<String> failed = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> steps = new ArrayList<>();
        for (Candidate c : candidates()) {
            steps.add(preferredIsReady(c).thenCompose(ready -> {
                if (!ready) return CompletableFuture.completedFuture(null);
                return transfer.apply(c.replica(), c.preferred())
                        .thenRun(() -> moved.add(new LeaderMove(c.topic(), c.partition(), self.value(), c.preferred())))
                        .exceptionally(t -> {
                            Throwable cause = t.getCause() != null ? t.getCause() : t;
                            failed.add(c.topic() + "/" + c.partition() + ": " + (cause instanceof BrokerException
                                    ? cause.getMessage() : cause.toString()));
                            return null;
                        });
            }));
        }
        return CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new))
                .thenApply(v -> new RebalanceResult(List.copyOf(moved), List.copyOf(failed), List.of()));
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
