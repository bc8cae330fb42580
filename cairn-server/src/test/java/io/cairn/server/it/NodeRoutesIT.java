package io.cairn.server.it;

import io.cairn.server.node.CairnNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Health, readiness, metrics, the single-node cluster view, and the benchmark baseline. */
class NodeRoutesIT {
    @TempDir
    Path dir;
    TestNode node;
    Http http;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir);
        http = node.http();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void healthAndReady() {
        assertThat(http.get("/health").json().path("ok").asBoolean()).isTrue();
        var ready = http.get("/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().path("ready").asBoolean()).isTrue();
        assertThat(http.post("/health", "x").status()).isEqualTo(405);
    }

    /**
     * Issue 4 asks for native epoll when available: the build ships the linux-x86_64 native
     * library, so on that platform a silent fallback to NIO (a missing classifier, a library that
     * fails to load) is a regression this catches.
     */
    @Test
    void theHttpServerUsesNativeEpollOnLinuxX86_64() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux")
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
            "the build ships the epoll native library for linux-x86_64 only");
        assertThat(node.node().httpTransport()).isEqualTo("epoll");
    }

    /** A node whose partition logs cannot be recovered keeps answering, but never claims to be ready. */
    @Test
    void readyIs503WithTheReasonWhileRecoveryHasFailed() throws Exception {
        assertThat(http.createTopic("r", 1).status()).isEqualTo(201);
        node.close();
        // Damage the data directory: a file where the partition's directory must be.
        Path partitionDir = dir.resolve("topics/r/0");
        try (var files = Files.walk(partitionDir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
        Files.writeString(partitionDir, "not a directory");

        var config = node.config();
        try (var broken = CairnNode.start(config)) {
            assertThatThrownBy(() -> broken.recovered().get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            var h = new Http(broken.baseUrl());
            assertThat(h.get("/health").status()).isEqualTo(200);
            var ready = h.get("/ready");
            assertThat(ready.status()).as(ready.toString()).isEqualTo(503);
            assertThat(ready.error()).isEqualTo("not_ready");
            assertThat(ready.json().path("ready").asBoolean(true)).isFalse();
            assertThat(ready.json().path("message").asText()).contains("recovery failed");
            assertThat(ready.header("Retry-After")).isNotNull();
        }
        node = TestNode.start(dir.resolve("fresh")); // for @AfterEach
    }

    @Test
    void metricsExposeRequestsLatenciesPartitionsGroupsAndTimings() {
        http.createTopic("m", 2);
        http.produce("m", "partition=1&timing=1", "12345");
        http.produce("m", "partition=1", "12345");
        http.postJson("/broker/commit", "{\"topic\":\"m\",\"group\":\"readers\",\"partition\":1,\"offset\":0}");
        http.consume("m", "readers", 1, "offset=0");
        http.get("/broker/topics/missing");
        var r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        String text = r.body();
        assertThat(text)
            .contains("cairn_http_requests_total{method=\"POST\",route=\"/broker/topics/{topic}/produce\",status=\"200\"} 2.0")
            .contains("cairn_produce_latency_seconds_bucket")
            .contains("cairn_fsync_latency_seconds_count")
            .contains("cairn_bytes_in_total{topic=\"m\"} 10.0")
            .contains("cairn_records_in_total{topic=\"m\"} 2.0")
            .contains("cairn_records_out_total{topic=\"m\"} 2.0")
            .contains("cairn_partition_high_watermark{partition=\"1\",topic=\"m\"} 2.0")
            .contains("cairn_partition_log_bytes{partition=\"1\",topic=\"m\"}")
            .contains("cairn_group_lag{group=\"readers\",partition=\"1\",topic=\"m\"} 1.0")
            .contains("cairn_server_timing_seconds{stage=\"parse\",quantile=\"0.99\"}")
            .contains("cairn_server_timing_seconds_count{stage=\"handler\"} 2")
            .contains("cairn_bytes_out_total{topic=\"m\"} 10.0")
            .contains("cairn_http_requests_total{method=\"GET\",route=\"/broker/topics/{topic}\",status=\"404\"} 1.0")
            .contains("cairn_partition_log_start{partition=\"1\",topic=\"m\"} 0.0");
        // The histograms hold real observations, and the log size is the partition's bytes on disk.
        assertThat(metricValue(text, "cairn_fsync_latency_seconds_count")).isPositive();
        assertThat(metricValue(text, "cairn_produce_latency_seconds_count")).isEqualTo(2);
        long logBytes = http.get("/broker/topics/m").json().path("partitions").get(1).path("log_bytes").asLong();
        assertThat(logBytes).isPositive();
        assertThat(metricValue(text, "cairn_partition_log_bytes{partition=\"1\",topic=\"m\"}")).isEqualTo(logBytes);
    }

    /** The value of the first sample whose name and labels are exactly {@code series}. */
    private static double metricValue(String text, String series) {
        for (String line : text.lines().toList()) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        throw new AssertionError("no sample " + series + " in /metrics");
    }

    @Test
    void clusterShowsThisNodeLeadingEveryPartition() {
        http.createTopic("c", 2);
        var c = http.get("/cluster").json();
        assertThat(c.path("node_id").asText()).isEqualTo("n1");
        assertThat(c.path("nodes").get(0).path("role").asText()).isEqualTo("leader");
        assertThat(c.path("metadata").path("leader").asText()).isEqualTo("n1");
        assertThat(c.path("partitions")).hasSize(2);
        assertThat(c.path("partitions").get(0).path("leader").asText()).isEqualTo("n1");
        assertThat(c.path("partitions").get(0).has("commit_index")).isTrue();
        var transfer = http.postJson("/cluster/transfer-leadership", "{}");
        assertThat(transfer.status()).isEqualTo(409);
        assertThat(transfer.error()).isEqualTo("single_node");
        assertThat(http.postJson("/cluster/nodes", "{\"id\":\"n2\",\"peer_address\":\"127.0.0.1:7102\",\"http_url\":\"http://127.0.0.1:7002\"}")
            .status()).isEqualTo(409);
        assertThat(http.delete("/cluster/nodes/n2").status()).isEqualTo(409);
        assertThat(http.postJson("/cluster/nodes", "{\"id\":\"n2\"}").status()).isEqualTo(400);
    }

    @Test
    void benchNoopReadsTheBodyAndTouchesNothing() {
        var r = http.post("/bench/noop", "x".repeat(10_000));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"ok\":true}");
        assertThat(http.get("/broker/topics").json().path("topics")).isEmpty();
        assertThat(http.get("/bench/noop").status()).isEqualTo(405);
    }
}
