package io.cairn.server.node;

import io.cairn.server.broker.PartitionFactory;
import io.cairn.server.config.NodeConfig;
import io.cairn.server.metrics.NodeMetrics;

/** Creates the node's {@link PartitionFactory}: where the replica layer is plugged in. */
@FunctionalInterface
public interface PartitionEngine {
    PartitionFactory create(NodeConfig config, NodeMetrics metrics) throws Exception;

    /** The engine this build ships. */
    static PartitionEngine standard() {
        return (config, metrics) -> {
            throw new StartupException("this build has no partition replica implementation yet (branch replica)");
        };
    }
}
