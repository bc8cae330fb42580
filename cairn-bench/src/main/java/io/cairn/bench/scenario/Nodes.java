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

    /** How long topic creation may wait for a cluster to commit its node list or elect a metadata leader. */
    static final long CREATE_TOPIC_TIMEOUT_MS = 60_000;
    /** Pause between attempts while the cluster answers 503 (bootstrapping, no metadata leader). */
    static final long CREATE_TOPIC_RETRY_MS = 100;

    /**
     * Creates the topic. On a cluster, a node that does not lead the metadata group answers 307
     * to the one that does (followed, at most a few hops), and a cluster that has not committed
     * its node list yet answers 503 (retried until {@link #CREATE_TOPIC_TIMEOUT_MS}). Any other
     * answer fails with the node's message.
     */
    static void createTopic(NodeProcess node, String topic, int partitions, int replicationFactor)
            throws IOException, InterruptedException {
        String json = "{\"name\":\"" + topic + "\",\"partitions\":" + partitions
                + ",\"replication_factor\":" + replicationFactor + "}";
        long deadline = System.nanoTime() + CREATE_TOPIC_TIMEOUT_MS * 1_000_000L;
        String url = node.baseUrl() + "/broker/topics";
        while (true) {
            Http.Response r = Http.postJson(url, json);
            if (r.ok()) {
                return;
            }
            if (r.status() == 307 && r.location().isPresent() && System.nanoTime() < deadline) {
                url = r.location().get();
                continue;
            }
            if (r.status() != 503 || System.nanoTime() > deadline) {
                throw new IllegalStateException("creating topic " + topic + " at " + url + " failed: "
                        + r.status() + " " + r.body());
            }
            url = node.baseUrl() + "/broker/topics";
            Thread.sleep(CREATE_TOPIC_RETRY_MS);
        }
    }
}
