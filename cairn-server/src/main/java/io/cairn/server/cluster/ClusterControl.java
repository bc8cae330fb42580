package io.cairn.server.cluster;

import io.cairn.core.NodeId;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.PeerProgress;
import io.cairn.core.raft.RaftStatus;
import io.cairn.core.raft.Role;
import io.cairn.core.raft.TransferResult;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.ClusterView;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.cluster.metadata.MetadataGroup;
import io.cairn.server.cluster.metadata.MetadataState;
import io.cairn.server.cluster.metadata.TopicMeta;
import io.cairn.server.config.TokenSpec;
import io.cairn.server.replica.PartitionReplica;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@link ClusterView} of a cluster node: membership from the metadata group, leadership
 * transfer of this node's partitions (and of the metadata group), node removal with replica
 * moves ({@link NodeRemoval}, {@link ReplicaMove}) and leader balancing ({@link LeaderBalancer}).
 */
public final class ClusterControl implements ClusterView, AutoCloseable {
    /** How long a leadership transfer may take before it answers 504. */
    static final long TRANSFER_TIMEOUT_MS = 5_000;

    /** How long a node asked to rebalance its own leaders may take to answer. */
    static final long REBALANCE_NODE_TIMEOUT_MS = 3 * TRANSFER_TIMEOUT_MS;

    private final NodeId self;
    private final MetadataGroup metadata;
    private final ClusterBroker broker;
    private final PeerHttp http;
    private final NodeRemoval removal;
    private final LeaderBalancer balancer;

    /**
     * @param rebalanceDelayMs how long a preferred leader must be healthy before leadership moves
     *                         back to it automatically; 0 = only on request
     */
    public ClusterControl(NodeId self, MetadataGroup metadata, ClusterBroker broker, List<TokenSpec> tokens,
                          long rebalanceDelayMs) {
        this.self = self;
        this.metadata = metadata;
        this.broker = broker;
        this.http = new PeerHttp(tokens);
        broker.usePeerHttp(http);
        this.removal = new NodeRemoval(self, metadata, http);
        this.balancer = new LeaderBalancer(self, broker, metadata, this::move, rebalanceDelayMs);
    }

    /** Starts the background work: node removals (on the metadata leader) and leader balancing. */
    public void start() {
        removal.start();
        balancer.start();
    }

    @Override
    public void close() {
        balancer.close();
        removal.close();
    }

    @Override
    public String nodeId() {
        return self.value();
    }

    @Override
    public List<NodeInfo> nodes() {
        RaftStatus s = metadata.status();
        String leader = metadata.leaderId().orElse(null);
        Membership m = s == null ? null : s.membership();
        List<NodeInfo> out = new ArrayList<>();
        for (io.cairn.server.cluster.metadata.NodeInfo n : metadata.state().nodes().values()) {
            String role;
            if (n.id().equals(leader)) role = "leader";
            else if (m != null && m.isLearner(NodeId.of(n.id()))) role = "learner";
            else if (n.id().equals(self.value()) && s != null && s.role() == Role.CANDIDATE) role = "candidate";
            else if (m != null && !m.contains(NodeId.of(n.id()))) role = "joining";
            else role = "follower";
            out.add(new NodeInfo(n.id(), role, n.peerHost() + ":" + n.peerPort(), n.httpUrl()));
        }
        return out;
    }

    @Override
    public CompletableFuture<Long> metadataReadIndex() {
        return metadata.readIndex();
    }

    @Override
    public CompletableFuture<Void> awaitMetadataApplied(long index) {
        return broker.awaitReconciled(index, ClusterBroker.DELETE_SETTLE_MS);
    }

    @Override
    public String metadataLeaderId() {
        return metadata.leaderId().orElse(null);
    }

    @Override
    public long metadataTerm() {
        RaftStatus s = metadata.status();
        return s == null ? 0 : s.term();
    }

    /**
     * Moves leadership of the named partition, or of every partition this node leads (and of the
     * metadata group when it leads that), to {@code to} or to the most caught-up other voter.
     * A named partition this node does not lead is redirected to its leader.
     */
    @Override
    public CompletableFuture<Void> transferLeadership(String topic, Integer partition, String to) {
        List<CompletableFuture<Void>> moves = new ArrayList<>();
        if (topic != null && partition != null) {
            PartitionHandle h = broker.partition(topic, partition);
            if (!(h instanceof PartitionReplica r)) {
                return CompletableFuture.failedFuture(broker.redirectToReplica(topic, partition));
            }
            PartitionHandle.Status s = r.status();
            if (s.leaderId() != null && !s.leaderId().equals(self.value())) {
                if (to == null || !to.equals(s.leaderId())) {
                    Optional<String> url = broker.httpUrl(NodeId.of(s.leaderId()));
                    if (url.isPresent()) return CompletableFuture.failedFuture(new BrokerException.NotLeader(s.leaderId(), url.get()));
                }
                return CompletableFuture.completedFuture(null);
            }
            moves.add(move(r, to));
        } else {
            for (ClusterBroker.LocalTopic t : broker.localTopics().values()) {
                if (topic != null && !t.meta().name().equals(topic)) continue;
                for (PartitionHandle h : t.handles()) {
                    if (h instanceof PartitionReplica r && self.value().equals(r.status().leaderId())) moves.add(move(r, to));
                }
            }
            if (topic == null && metadata.isLeader()) moves.add(moveMetadata(to));
        }
        return CompletableFuture.allOf(moves.toArray(CompletableFuture[]::new));
    }

    /** Transfers leadership of {@code r} (led here) to {@code to}, or to the best other voter when null. */
    CompletableFuture<Void> move(PartitionReplica r, String to) {
        CompletableFuture<TransferResult> started = r.withRaft(raft -> {
            NodeId target = to != null ? NodeId.of(to)
                    : bestOtherVoter(raft.progress().stream().filter(p -> !p.node().equals(self)).toList());
            if (target == null) {
                throw new BrokerException.Conflict("no_target", "no other voter to hand leadership of " + r + " to");
            }
            return raft.transferLeadership(target);
        });
        return started.thenCompose(result -> switch (result) {
            case ALREADY_LEADER -> CompletableFuture.completedFuture(null);
            case NOT_LEADER -> CompletableFuture.completedFuture(null); // leadership moved meanwhile
            case NOT_A_VOTER -> CompletableFuture.failedFuture(new BrokerException.BadRequest("not_a_voter",
                    to + " holds no replica of " + r));
            case STARTED -> awaitLeaderChange(r, to);
        });
    }

    private static NodeId bestOtherVoter(List<PeerProgress> progress) {
        return progress.stream().filter(p -> p.voter())
                .filter(p -> p.recentlyActive())
                .max(Comparator.comparingLong(PeerProgress::matchIndex))
                .map(PeerProgress::node)
                .orElse(null);
    }

    private CompletableFuture<Void> awaitLeaderChange(PartitionReplica r, String to) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TRANSFER_TIMEOUT_MS);
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            String leader = r.status().leaderId();
            boolean moved = leader != null && !leader.equals(self.value()) && (to == null || to.equals(leader));
            if (moved) {
                f.complete(null);
            } else if (System.nanoTime() > deadline) {
                f.completeExceptionally(new BrokerException.OutcomeUnknown("leadership of " + r + " did not move within "
                        + TRANSFER_TIMEOUT_MS + " ms"));
            } else {
                CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS).execute(check[0]);
            }
        };
        check[0].run();
        return f;
    }

    private CompletableFuture<Void> moveMetadata(String to) {
        RaftStatus s = metadata.status();
        NodeId target = to != null ? NodeId.of(to) : (s == null ? null : bestOtherVoter(
                s.progress().stream().filter(p -> !p.node().equals(self)).toList()));
        if (target == null) return CompletableFuture.completedFuture(null);
        return metadata.transferLeadership(target);
    }

    @Override
    public CompletableFuture<Void> addNode(String id, String peerAddress, String httpUrl) {
        return MembershipChanges.addNode(metadata, broker, id, peerAddress, httpUrl);
    }

    @Override
    public CompletableFuture<Removal> removeNode(String id) {
        return MembershipChanges.removeNode(metadata, removal, self, id);
    }

    @Override
    public Optional<RemovalProgress> removalProgress() {
        return removal.progress().map(p -> new RemovalProgress(p.node(), p.partitionsRemaining(), p.current(), p.lastError()));
    }

    @Override
    public CompletableFuture<Void> moveReplica(String topic, int partition, String from, String to) {
        MetadataState s = metadata.state();
        TopicMeta t = s.topics().get(topic);
        if (t == null) return CompletableFuture.failedFuture(new BrokerException.NotFound("topic_not_found", "no topic '" + topic + "'"));
        if (partition < 0 || partition >= t.partitions()) {
            return CompletableFuture.failedFuture(new BrokerException.NotFound("partition_not_found",
                    "topic '" + topic + "' has no partition " + partition));
        }
        // Only a move the metadata records may change the group, so the placement every node
        // reads never disagrees with the Raft group for longer than one step of a removal.
        if (!s.draining().contains(from) || !t.replicasOf(partition).contains(to) || from.equals(to)) {
            return CompletableFuture.failedFuture(new BrokerException.Conflict("move_not_recorded", "the metadata on "
                    + self + " records no move of " + topic + "/" + partition + " from " + from + " to " + to
                    + " (replicas " + t.replicasOf(partition) + ", being removed " + s.draining() + "); moves are made by DELETE /cluster/nodes/{id}"));
        }
        PartitionHandle h = broker.partition(topic, partition);
        String leader = h instanceof PartitionReplica r ? r.status().leaderId() : null;
        if (leader != null && leader.equals(self.value())) {
            return ReplicaMove.drive((PartitionReplica) h, self, NodeId.of(from), NodeId.of(to), broker::httpUrl);
        }
        if (leader != null) {
            Optional<String> url = broker.httpUrl(NodeId.of(leader));
            if (url.isPresent()) return CompletableFuture.failedFuture(new BrokerException.NotLeader(leader, url.get()));
        }
        // No replica here, or one that knows no leader: the new replica in particular hears
        // nothing until the leader adds it, so ask a member of the group instead.
        return CompletableFuture.failedFuture(broker.redirectToReplica(topic, partition, new java.util.HashSet<>(List.of(self.value(), to))));
    }

    @Override
    public CompletableFuture<RebalanceResult> rebalance(boolean everyNode) {
        CompletableFuture<RebalanceResult> local = balancer.rebalanceNow();
        if (!everyNode) return local;
        List<CompletableFuture<RebalanceResult>> all = new ArrayList<>();
        all.add(local);
        for (io.cairn.server.cluster.metadata.NodeInfo n : metadata.state().nodes().values()) {
            if (n.id().equals(self.value())) continue;
            all.add(http.send("POST", n.httpUrl() + "/cluster/rebalance?scope=node", null,
                    java.time.Duration.ofMillis(REBALANCE_NODE_TIMEOUT_MS)).thenApply(reply -> fromReply(n.id(), reply)));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<LeaderMove> moved = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            List<String> unreachable = new ArrayList<>();
            for (CompletableFuture<RebalanceResult> f : all) {
                RebalanceResult r = f.join();
                moved.addAll(r.moved());
                failed.addAll(r.failed());
                unreachable.addAll(r.unreachable());
            }
            return new RebalanceResult(moved, failed, unreachable);
        });
    }

    private static RebalanceResult fromReply(String node, Optional<PeerHttp.Reply> reply) {
        if (reply.isEmpty() || !reply.get().ok() || reply.get().body() == null) {
            return new RebalanceResult(List.of(), List.of(), List.of(node));
        }
        com.fasterxml.jackson.databind.JsonNode b = reply.get().body();
        List<LeaderMove> moved = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode m : b.path("moved")) {
            moved.add(new LeaderMove(m.path("topic").asText(), m.path("partition").asInt(), m.path("from").asText(),
                    m.path("to").asText()));
        }
        List<String> failed = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode f : b.path("failed")) failed.add(f.asText());
        return new RebalanceResult(moved, failed, List.of());
    }
}
