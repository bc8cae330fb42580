package io.cairn.server.cluster;

import io.cairn.core.NodeId;
import io.cairn.core.raft.ConfigChange;
import io.cairn.core.raft.PeerProgress;
import io.cairn.core.raft.RaftStatus;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.cluster.metadata.MetadataCommand;
import io.cairn.server.cluster.metadata.MetadataGroup;
import io.cairn.server.cluster.metadata.MetadataState;
import io.cairn.server.cluster.metadata.NodeInfo;
import io.cairn.server.cluster.metadata.TopicMeta;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a node that {@link MetadataCommand.DrainNode} marked: moves each of its replicas to
 * another node, one partition at a time, then takes it out of the metadata group and forgets it.
 * Runs on whichever node leads the metadata group, from the replicated state alone, so a removal
 * survives a metadata leader change (the new leader picks it up on its next check).
 *
 * <p>One partition move: the metadata appends the new node to the partition's replica list (it
 * opens a replica that starts outside the group), the partition's leader changes the Raft group
 * ({@link ReplicaMove}: learner, caught up, voter, old node removed), and then the metadata
 * replaces the old node by the new one in the list (the old node closes and deletes its replica).
 * The order keeps the replication factor: the old replica serves until the new one votes.
 *
 * <p>Bounds: one move at a time; each call to the partition leader is bounded by {@link
 * ReplicaMove#CALL_TIMEOUT_MS}; a partition that does not move within {@link
 * #PARTITION_MOVE_TIMEOUT_MS} is reported in {@code GET /cluster} and retried after {@link
 * #RETRY_AFTER_FAILURE_MS}.
 */
final class NodeRemoval implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeRemoval.class);
    /** How often the metadata leader looks for work. */
    static final long CHECK_MS = 500;
    /** How long one partition may take to move (catch-up of a large log included) before it is reported. */
    static final long PARTITION_MOVE_TIMEOUT_MS = 15 * 60_000;
    /** Pause after a failed move before the next attempt, so a persistent failure does not spin. */
    static final long RETRY_AFTER_FAILURE_MS = 5_000;

    /** What {@code GET /cluster} shows about a removal; {@code current} and {@code lastError} are known on the metadata leader. */
    record Progress(String node, int partitionsRemaining, String current, String lastError) {}

    private final NodeId self;
    private final MetadataGroup metadata;
    private final PeerHttp http;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cairn-node-removal");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile String current;
    private volatile String lastError;
    private volatile long notBeforeNanos;

    NodeRemoval(NodeId self, MetadataGroup metadata, PeerHttp http) {
        this.self = self;
        this.metadata = metadata;
        this.http = http;
    }

    void start() {
        thread.scheduleWithFixedDelay(this::check, CHECK_MS, CHECK_MS, TimeUnit.MILLISECONDS);
    }

    /** Looks for work now instead of at the next check. */
    void kick() {
        notBeforeNanos = 0;
        thread.execute(this::check);
    }

    Optional<Progress> progress() {
        MetadataState s = metadata.state();
        if (s.draining().isEmpty()) return Optional.empty();
        String node = s.draining().first();
        int remaining = 0;
        for (TopicMeta t : s.topics().values()) {
            for (int p = 0; p < t.partitions(); p++) if (t.replicasOf(p).contains(node)) remaining++;
        }
        boolean here = metadata.isLeader();
        return Optional.of(new Progress(node, remaining, here ? current : null, here ? lastError : null));
    }

    private void check() {
        try {
            if (!metadata.isLeader() || running.get() || System.nanoTime() < notBeforeNanos) return;
            MetadataState s = metadata.state();
            if (s.draining().isEmpty()) {
                current = null;
                lastError = null;
                return;
            }
            String node = s.draining().first();
            for (TopicMeta t : s.topics().values()) {
                for (int p = 0; p < t.partitions(); p++) {
                    if (t.replicasOf(p).contains(node)) {
                        run(moveOne(s, t, p, node), t.name() + "/" + p);
                        return;
                    }
                }
            }
            run(finish(node), "removing " + node + " from the metadata group");
        } catch (RuntimeException e) {
            log.error("node removal check failed", e);
        }
    }

    private void run(CompletableFuture<Void> step, String what) {
        running.set(true);
        step.whenComplete((v, t) -> {
            if (t != null) {
                Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
                lastError = what + ": " + cause.getMessage();
                notBeforeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_AFTER_FAILURE_MS);
                log.warn("node removal step {} failed (retried in {} ms): {}", what, RETRY_AFTER_FAILURE_MS, cause.toString());
            } else {
                lastError = null;
            }
            running.set(false);
            if (t == null) kick();
        });
    }

    private CompletableFuture<Void> moveOne(MetadataState s, TopicMeta t, int partition, String from) {
        List<String> replicas = t.replicasOf(partition);
        // A list longer than the replication factor is a move that is already under way (perhaps
        // begun by an earlier metadata leader): its target is the node appended last.
        String to = replicas.size() > t.replicationFactor() ? replicas.get(replicas.size() - 1)
                : s.replacementFor(t, partition, from);
        if (to == null || to.equals(from)) {
            return CompletableFuture.failedFuture(new BrokerException.Conflict("not_enough_nodes",
                    "no node can take the replica of " + t.name() + "/" + partition + " from " + from));
        }
        current = t.name() + "/" + partition + ": " + from + " -> " + to;
        log.info("moving replica of {}/{} from {} to {}", t.name(), partition, from, to);
        CompletableFuture<Void> announced;
        if (replicas.contains(to)) {
            announced = CompletableFuture.completedFuture(null);
        } else {
            List<String> withNew = new ArrayList<>(replicas);
            withNew.add(to);
            announced = setReplicas(t.name(), partition, withNew);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PARTITION_MOVE_TIMEOUT_MS);
        return announced
                .thenCompose(v -> callMove(t.name(), partition, from, to, deadline))
                .thenCompose(v -> {
                    TopicMeta now = metadata.state().topics().get(t.name());
                    if (now == null || now.topicId() != t.topicId()) return CompletableFuture.completedFuture(null);
                    List<String> finalReplicas = new ArrayList<>(now.replicasOf(partition));
                    int at = finalReplicas.indexOf(from);
                    if (at < 0) return CompletableFuture.completedFuture(null);
                    finalReplicas.remove(to);
                    at = finalReplicas.indexOf(from);
                    // The newcomer takes the old node's position, so a preferred-leader slot moves with it.
                    finalReplicas.set(at, to);
                    return setReplicas(t.name(), partition, finalReplicas);
                })
                .thenRun(() -> log.info("replica of {}/{} moved from {} to {}", t.name(), partition, from, to));
    }

    private CompletableFuture<Void> setReplicas(String topic, int partition, List<String> replicas) {
        return metadata.propose(new MetadataCommand.SetReplicas(topic, partition, replicas)).thenAccept(r -> {
            // A topic deleted meanwhile needs no move.
            if (r.error() != null && !r.error().equals("topic_not_found")) {
                throw new BrokerException.Conflict(r.error(), r.message());
            }
        });
    }

    /**
     * Asks the partition's leader to drive the Raft group, through this node's own API so the
     * usual redirects find the leader. Calls again after a 504 (still catching up), a 503 (no
     * leader yet) or an unreachable node, until the partition's deadline.
     */
    private CompletableFuture<Void> callMove(String topic, int partition, String from, String to, long deadlineNanos) {
        NodeInfo me = metadata.state().nodes().get(self.value());
        if (me == null) return CompletableFuture.failedFuture(new IllegalStateException("this node is not in the metadata"));
        String body = "{\"topic\":" + PeerHttp.JSON.valueToTree(topic) + ",\"partition\":" + partition
                + ",\"from\":" + PeerHttp.JSON.valueToTree(from) + ",\"to\":" + PeerHttp.JSON.valueToTree(to) + "}";
        Duration timeout = Duration.ofMillis(ReplicaMove.CALL_TIMEOUT_MS + 15_000);
        return http.send("POST", me.httpUrl() + "/cluster/partitions/move", body, timeout).thenCompose(reply -> {
            if (reply.isPresent() && reply.get().ok()) return CompletableFuture.completedFuture(null);
            String why = reply.map(PeerHttp.Reply::describe).orElse("no answer");
            int status = reply.map(PeerHttp.Reply::status).orElse(0);
            if (status >= 400 && status < 500 && status != 409 && status != 429) {
                return CompletableFuture.failedFuture(new IllegalStateException("the partition leader refused: " + why));
            }
            if (System.nanoTime() > deadlineNanos) {
                return CompletableFuture.failedFuture(new IllegalStateException("not moved within "
                        + PARTITION_MOVE_TIMEOUT_MS + " ms; last answer: " + why));
            }
            current = topic + "/" + partition + ": " + from + " -> " + to + " (" + why + ")";
            return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS))
                    .thenCompose(v -> callMove(topic, partition, from, to, deadlineNanos));
        });
    }

    /** Every replica moved: the node leaves the metadata group and the node list. */
    private CompletableFuture<Void> finish(String node) {
        current = "removing " + node + " from the metadata group";
        if (node.equals(self.value())) {
            // The leader cannot remove itself and go on deciding; the next leader finishes this.
            RaftStatus st = metadata.status();
            NodeId target = st == null ? null : st.progress().stream().filter(p -> p.voter() && !p.node().equals(self))
                    .max(Comparator.comparingLong(PeerProgress::matchIndex)).map(PeerProgress::node).orElse(null);
            if (target == null) return CompletableFuture.failedFuture(new IllegalStateException("no other voter to lead"));
            return metadata.transferLeadership(target);
        }
        RaftStatus st = metadata.status();
        boolean member = st != null && st.membership().contains(NodeId.of(node));
        return (member ? metadata.changeMembership(new ConfigChange(ConfigChange.Type.REMOVE_NODE, NodeId.of(node)))
                : CompletableFuture.<Void>completedFuture(null))
                .thenCompose(v -> metadata.propose(new MetadataCommand.RemoveNode(node)))
                .thenAccept(r -> {
                    if (r.error() != null && !r.error().equals("node_not_found")) {
                        throw new BrokerException.Conflict(r.error(), r.message());
                    }
                    log.info("node {} removed from the cluster", node);
                });
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
