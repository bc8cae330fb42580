package io.cairn.server.node;

import io.cairn.server.broker.PartitionFactory;
import io.cairn.server.config.NodeConfig;
import io.cairn.server.metrics.NodeMetrics;
import io.cairn.server.replica.ReplicaFactory;

/** Creates the node's {@link PartitionFactory}: where the replica layer is plugged in. */
@FunctionalInterface
public interface PartitionEngine {
    PartitionFactory create(NodeConfig config, NodeMetrics metrics) throws Exception;

    /**
     * The engine this build ships: Raft-backed replicas, each partition a one-voter group on a
     * single node. The cluster runtime replaces this with multi-voter groups over its transport.
     */
    static PartitionEngine standard() {
        return (config, metrics) -> ReplicaFactory.singleNode(config.nodeId(), config.maxDiskBytes(), metrics);
    }
}
