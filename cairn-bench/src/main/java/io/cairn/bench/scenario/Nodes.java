package io.cairn.bench.scenario;

import io.cairn.bench.node.Http;
import io.cairn.bench.node.NodeProcess;
import java.io.IOException;

/** Control-plane steps scenarios share: creating the benchmark topic. */
final class Nodes {
    static final String TOPIC = "bench";

    private Nodes() {}

    /**
     * The smallest high watermark over the topic's partitions, from {@code GET /broker/topics/{topic}}:
     * consumers may read offsets below it in every partition.
     */
    static long minHighWatermark(NodeProcess node, String topic) throws IOException, InterruptedException {
        Http.Response r = Http.get(node.baseUrl() + "/broker/topics/" + topic);
        if (!r.ok()) {
            throw new IllegalStateException("GET /broker/topics/" + topic + " answered " + r.status() + " " + r.body());
        }
        long min = Long.MAX_VALUE;
        for (com.fasterxml.jackson.databind.JsonNode hw : new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(r.body()).findValues("high_watermark")) {
            min = Math.min(min, hw.asLong());
        }
        if (min == Long.MAX_VALUE) {
            throw new IllegalStateException("GET /broker/topics/" + topic + " has no high_watermark: " + r.body());
        }
        return min;
    }

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
