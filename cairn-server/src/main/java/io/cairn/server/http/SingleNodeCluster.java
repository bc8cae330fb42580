package io.cairn.server.http;

import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.ClusterView;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The cluster of one: this node is the only voter of every group, so it leads everything, and
 * membership changes are refused with a 409 that says how to run a cluster instead.
 */
public final class SingleNodeCluster implements ClusterView {
    private final String nodeId;
    private final String httpUrl;

    public SingleNodeCluster(String nodeId, String httpUrl) {
        this.nodeId = nodeId;
        this.httpUrl = httpUrl;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public List<NodeInfo> nodes() {
        return List.of(new NodeInfo(nodeId, "leader", null, httpUrl));
    }

    @Override
    public String metadataLeaderId() {
        return nodeId;
    }

    @Override
    public long metadataTerm() {
        return 1;
    }

    private static <T> CompletableFuture<T> refuse(String what) {
        return CompletableFuture.failedFuture(new BrokerException.Conflict("single_node",
            "this is a single-node deployment (no --peers): " + what
                + " needs a cluster; start nodes with --node-id and --peers"));
    }

    @Override
    public CompletableFuture<Void> transferLeadership(String topic, Integer partition, String to) {
        return refuse("transferring leadership");
    }

    @Override
    public CompletableFuture<Void> addNode(String id, String peerAddress, String httpUrl) {
        return refuse("adding a node");
    }

    @Override
    public CompletableFuture<Removal> removeNode(String id) {
        return refuse("removing a node");
    }
}
