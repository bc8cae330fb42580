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

    /** How long topic creation may keep answering 503 (a fresh cluster still electing). */
    static final long CREATE_TIMEOUT_MS = 120_000;

    /**
     * Creates the topic, retrying while a fresh cluster answers 503 (no metadata leader yet, node
     * list not committed) and following a 307 to the metadata leader, so one call works on a
     * single node and on any node of a cluster.
     */
    static void createTopic(NodeProcess node, String topic, int partitions, int replicationFactor)
            throws IOException, InterruptedException {
        String json = "{\"name\":\"" + topic + "\",\"partitions\":" + partitions
                + ",\"replication_factor\":" + replicationFactor + "}";
        String url = node.baseUrl() + "/broker/topics";
        long deadline = System.nanoTime() + CREATE_TIMEOUT_MS * 1_000_000L;
        while (true) {
            Http.Response r;
            try {
                r = Http.postJson(url, json);
            } catch (IOException e) {
                throw new IOException("creating topic " + topic + ": POST " + url + " failed: " + e, e);
            }
            if (r.ok()) {
                return;
            }
            if (r.status() == 307 && r.location().isPresent() && System.nanoTime() < deadline) {
                url = r.location().get();
                continue;
            }
            if (r.status() != 503 || System.nanoTime() > deadline) {
                throw new IllegalStateException("creating topic " + topic + " on " + url + " failed: "
                        + r.status() + " " + r.body());
            }
            url = node.baseUrl() + "/broker/topics";
            Thread.sleep(100);
        }
    }
}
