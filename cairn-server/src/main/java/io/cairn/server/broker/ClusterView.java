package io.cairn.server.broker;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What {@code GET /cluster} shows about membership and what the {@code /cluster/...} routes
 * change. A single node answers with itself as the only voter; the cluster runtime (branch
 * {@code cluster}) provides the replicated implementation. Partition details come from
 * {@link PartitionHandle#status()} through the {@link Broker}.
 */
public interface ClusterView {

    String nodeId();

    List<NodeInfo> nodes();

    /** Leader of the metadata group, or null when none is known. */
    String metadataLeaderId();

    long metadataTerm();

    /** Moves leadership of one partition (or all when topic is null) off this node, or to {@code to}. */
    CompletableFuture<Void> transferLeadership(String topic, Integer partition, String to);

    /** Adds a node (learner first, then voter); Conflict while another change is in progress. */
    CompletableFuture<Void> addNode(String id, String peerAddress, String httpUrl);

    /**
     * Removes a node: at once ({@link Removal#DONE}) when it holds no replica, else in the
     * background after moving its replicas to other nodes ({@link Removal#STARTED}; progress in
     * {@link #removalProgress()}). Conflict when the other nodes could not keep every partition's
     * replication factor, or while another change runs.
     */
    CompletableFuture<Removal> removeNode(String id);

    enum Removal { DONE, STARTED }

    /** The node removal in progress, if any. */
    default Optional<RemovalProgress> removalProgress() {
        return Optional.empty();
    }

    /**
     * @param current   the partition being moved now (known on the metadata leader, else null)
     * @param lastError why the last step failed (it is retried), or null
     */
    record RemovalProgress(String node, int partitionsRemaining, String current, String lastError) {}

    /**
     * Moves one replica of a partition from {@code from} to {@code to} in its Raft group (on the
     * partition's leader). Internal step of a node removal; refused unless the metadata records
     * that move.
     */
    default CompletableFuture<Void> moveReplica(String topic, int partition, String from, String to) {
        return CompletableFuture.failedFuture(new BrokerException.Conflict("single_node",
            "this is a single-node deployment: there is nowhere to move a replica"));
    }

    /**
     * Hands each partition's leadership to its preferred leader where that replica is healthy and
     * caught up: on this node only, or on every node ({@code everyNode}).
     */
    default CompletableFuture<RebalanceResult> rebalance(boolean everyNode) {
        return CompletableFuture.completedFuture(new RebalanceResult(List.of(), List.of(), List.of()));
    }

    /**
     * The metadata leader's read index (Raft ReadIndex): internal step of a node that does not
     * know a topic and asks whether it missed its creation. On a node that is not the leader it
     * fails with the redirect to the leader.
     */
    default CompletableFuture<Long> metadataReadIndex() {
        return CompletableFuture.failedFuture(new BrokerException.Conflict("single_node",
            "this is a single-node deployment: it has no metadata group"));
    }

    /**
     * Completes once this node serves topics from metadata at least as new as {@code index}
     * (bounded; 503 after that). Internal step of a topic deletion, which answers only once no
     * node serves the topic any more.
     */
    default CompletableFuture<Void> awaitMetadataApplied(long index) {
        return CompletableFuture.failedFuture(new BrokerException.Conflict("single_node",
            "this is a single-node deployment: it has no metadata group"));
    }

    record LeaderMove(String topic, int partition, String from, String to) {}

    /**
     * @param moved       leaderships handed to the preferred leader
     * @param failed      transfers that did not finish in time (topic/partition: reason)
     * @param unreachable nodes that did not answer (their partitions were not looked at)
     */
    record RebalanceResult(List<LeaderMove> moved, List<String> failed, List<String> unreachable) {}

    /** {@code role} is leader, follower, candidate or learner (of the metadata group). */
    record NodeInfo(String id, String role, String peerAddress, String httpUrl) {}
}
