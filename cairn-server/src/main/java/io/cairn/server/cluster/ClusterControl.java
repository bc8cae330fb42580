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
import io.cairn.server.cluster.metadata.NodeInfo;
import io.cairn.server.replica.PartitionReplica;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@link ClusterView} of a cluster node: membership from the metadata group, leadership
 * transfer of this node's partitions (and of the metadata group).
 */
public final class ClusterControl implements ClusterView {
    /** How long a leadership transfer may take before it answers 504. */
    static final long TRANSFER_TIMEOUT_MS = 5_000;

    private final NodeId self;
    private final MetadataGroup metadata;
    private final ClusterBroker broker;

    public ClusterControl(NodeId self, MetadataGroup metadata, ClusterBroker broker) {
        this.self = self;
        this.metadata = metadata;
        this.broker = broker;
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

    private CompletableFuture<Void> move(PartitionReplica r, String to) {
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
    public CompletableFuture<Void> removeNode(String id) {
        return MembershipChanges.removeNode(metadata, broker, self, id);
    }
}
