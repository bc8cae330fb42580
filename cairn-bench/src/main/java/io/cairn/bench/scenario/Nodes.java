package io.cairn.bench.scenario;

import io.cairn.bench.node.Http;
import io.cairn.bench.node.NodeProcess;
import java.io.IOException;

/** Control-plane steps scenarios share: creating the benchmark topic. */
final class Nodes {
    static final String TOPIC = "bench";

    private Nodes() {}

    static void createTopic(NodeProcess node, String topic, int partitions, int replicationFactor)
            throws IOException, InterruptedException {
        String json = "{\"name\":\"" + topic + "\",\"partitions\":" + partitions
                + ",\"replication_factor\":" + replicationFactor + "}";
        Http.Response r = Http.postJson(node.baseUrl() + "/broker/topics", json);
        if (!r.ok()) {
            throw new IllegalStateException("creating topic " + topic + " on " + node.baseUrl() + " failed: "
                    + r.status() + " " + r.body());
        }
    }
}
