package io.cairn.server.http;

import io.cairn.server.broker.Broker;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.ClusterView;
import io.cairn.server.config.NodeConfig;
import io.cairn.server.metrics.NodeMetrics;
import io.cairn.server.topics.TopicRegistry;

/** What every route group needs: the broker, the settings, metrics and the cluster view. */
record ApiContext(Broker broker, NodeConfig config, NodeMetrics metrics, ClusterView cluster, DiskGuard disk) {

    /** The topic from the path, validated (400) and known (404). */
    Broker.TopicSpec topic(String name) {
        try {
            // Look up first: an existing topic's name was checked when it was created, so the
            // regular expression only runs for names that are not found (it cost every produce).
            return broker.topicSpec(name);
        } catch (BrokerException.NotFound notFound) {
            try {
                TopicRegistry.checkName(name, "topic");
            } catch (BrokerException.BadRequest e) {
                throw ApiException.badRequest(e.code(), e.getMessage());
            }
            throw notFound;
        }
    }

    static String group(String name) {
        try {
            TopicRegistry.checkName(name, "group");
        } catch (BrokerException.BadRequest e) {
            throw ApiException.badRequest(e.code(), e.getMessage());
        }
        return name;
    }

    /** A partition number that must exist in the topic: 404 otherwise (negative was a 400 already). */
    static int partition(Broker.TopicSpec spec, long partition) {
        if (partition >= spec.partitions()) {
            throw new BrokerException.NotFound("partition_not_found", "topic '" + spec.name() + "' has partitions 0.."
                + (spec.partitions() - 1) + ", not " + partition);
        }
        return (int) partition;
    }
}
