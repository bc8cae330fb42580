package io.cairn.server.broker;

import java.util.List;
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

    CompletableFuture<Void> removeNode(String id);

    /** {@code role} is leader, follower, candidate or learner (of the metadata group). */
    record NodeInfo(String id, String role, String peerAddress, String httpUrl) {}
}
