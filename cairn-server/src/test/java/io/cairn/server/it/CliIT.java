package io.cairn.server.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as a real process: help, one-line startup failures, and a durable restart. */
class CliIT {
    @TempDir
    Path dir;

    @Test
    void helpDescribesEveryOptionWithDefaultsAndExamples() throws Exception {
        try (var p = NodeProcess.start(dir, Map.of(), "start", "--help")) {
            assertThat(p.await()).isZero();
            String help = p.stdout();
            assertThat(help).contains("--port", "--data-dir", "--peers", "--token", "--max-disk-bytes",
                "--segment-bytes", "--dedupe-window-ms", "--log-level", "CAIRN_DATA_DIR", "cairn.properties",
                "Default: 1109", "Examples:");
            // Readable at 80 columns: a short synopsis, and no example or URL broken mid-token.
            assertThat(help).startsWith("Usage: cairn start [OPTIONS]");
            assertThat(help).contains("  cairn start --token admin:0123456789abcdef0123:admin \\\n"
                + "      --token 'app:fedcba9876543210fedc:produce:orders*,consume:orders*'\n");
            assertThat(help).contains("  cairn start --node-id n1 --port 7001 --data-dir d1 --peers \"$PEERS\"\n");
            assertThat(help.lines().filter(l -> l.length() > 80).toList()).as("lines wider than 80 columns").isEmpty();
        }
        try (var p = NodeProcess.start(dir, Map.of(), "--help")) {
            assertThat(p.await()).isZero();
            assertThat(p.stdout()).contains("start");
        }
    }

    @Test
    void portTakenIsOneClearLineAndNonZeroExit() throws Exception {
        try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             var p = NodeProcess.start(dir, Map.of(), "start", "--host", "127.0.0.1",
                 "--port", Integer.toString(taken.getLocalPort()), "--data-dir", "d")) {
            assertThat(p.await()).isNotZero();
            assertThat(p.stderr().lines().toList()).hasSize(1);
            assertThat(p.stderr()).startsWith("cairn: port " + taken.getLocalPort()).contains("already in use");
        }
    }

    @Test
    void unusableDataDirIsOneClearLine() throws Exception {
        Files.writeString(dir.resolve("not-a-dir"), "x");
        try (var p = NodeProcess.start(dir, Map.of(), "start", "--host", "127.0.0.1", "--port", "0",
                "--data-dir", "not-a-dir")) {
            assertThat(p.await()).isNotZero();
            assertThat(p.stderr().lines().toList()).hasSize(1);
            assertThat(p.stderr()).startsWith("cairn: data directory").contains("not-a-dir").contains("unusable");
        }
    }

    @Test
    void aDamagedTopicListStopsStartupWithOneLine() throws Exception {
        Files.createDirectories(dir.resolve("d"));
        Files.writeString(dir.resolve("d/topics.state"), "{\"version\":1,\"topics\":[");
        try (var p = NodeProcess.start(dir, Map.of(), "start", "--host", "127.0.0.1", "--port", "0", "--data-dir", "d")) {
            assertThat(p.await()).isNotZero();
            assertThat(p.stderr().lines().toList()).hasSize(1);
            assertThat(p.stderr()).startsWith("cairn: cannot read the topic list").contains("topics.state");
        }
    }

    @Test
    void inconsistentConfigurationIsOneClearLine() throws Exception {
        try (var p = NodeProcess.start(dir, Map.of("CAIRN_NODE_ID", "n9"), "start", "--port", "0",
                "--peers", "n1=127.0.0.1:7101@http://127.0.0.1:7001")) {
            assertThat(p.await()).isNotZero();
            assertThat(p.stderr().lines().toList()).hasSize(1);
            assertThat(p.stderr()).contains("--node-id 'n9' is not among --peers");
        }
        try (var p = NodeProcess.start(dir, Map.of("CAIRN_MAX_BODY_BYTES", "lots"), "start")) {
            assertThat(p.await()).isNotZero();
            assertThat(p.stderr().lines().toList()).hasSize(1);
            assertThat(p.stderr()).contains("--max-body-bytes").contains("CAIRN_MAX_BODY_BYTES");
        }
    }

    @Test
    void aNodeConfiguredByFileServesAndKeepsAcknowledgedRecordsAcrossSigkill() throws Exception {
        int port = NodeProcess.freePort();
        Files.writeString(dir.resolve("cairn.properties"), "host=127.0.0.1\nport=" + port + "\ndata.dir=store\n");
        var http = new Http("http://127.0.0.1:" + port);
        var node = NodeProcess.start(dir, Map.of(), "start");
        try {
            awaitReady(node, http);
            // No tokens configured: the node runs open and says so in its log.
            assertThat(node.stdout()).contains("WARN").contains("no tokens configured: the API is open");
            assertThat(http.createTopic("t", 1).status()).isEqualTo(201);
            for (int i = 0; i < 20; i++) {
                assertThat(http.produce("t", "partition=0&idempotency_key=k" + i, "r" + i).json().path("offset").asLong())
                    .isEqualTo(i);
            }
            http.postJson("/broker/commit", "{\"topic\":\"t\",\"group\":\"g\",\"partition\":0,\"offset\":9}");
        } finally {
            node.kill(); // SIGKILL: no shutdown hook runs
        }
        assertThat(Files.isDirectory(dir.resolve("store/topics/t/0"))).isTrue();

        node = NodeProcess.start(dir, Map.of(), "start");
        try {
            awaitReady(node, http);
            var page = http.consume("t", "g", 0, "limit=100").json();
            assertThat(page.path("messages").get(0).path("offset").asLong()).isEqualTo(10);
            var all = http.consume("t", "other", 0, "offset=0&limit=100").json().path("messages");
            assertThat(all).hasSize(20);
            for (int i = 0; i < 20; i++) {
                assertThat(all.get(i).path("offset").asLong()).isEqualTo(i);
                assertThat(all.get(i).path("value").asText()).isEqualTo("r" + i);
            }
            var retry = http.produce("t", "partition=0&idempotency_key=k3", "r3").json();
            assertThat(retry.path("duplicate").asBoolean()).isTrue();
            assertThat(retry.path("offset").asLong()).isEqualTo(3);
            node.process.destroy(); // SIGTERM: a clean shutdown exits 0
            assertThat(node.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(node.process.exitValue()).isZero();
        } finally {
            node.close();
        }
    }

    @Test
    void tokensFromTheEnvironmentTurnAuthOnWithoutTheOpenWarning() throws Exception {
        int port = NodeProcess.freePort();
        var http = new Http("http://127.0.0.1:" + port);
        try (var node = NodeProcess.start(dir, Map.of("CAIRN_TOKEN", "ops:0123456789abcdef0123:admin"), "start",
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--data-dir", "d")) {
            awaitReady(node, http);
            assertThat(http.get("/broker/topics").status()).isEqualTo(401);
            assertThat(http.withToken("0123456789abcdef0123").get("/broker/topics").status()).isEqualTo(200);
            assertThat(node.stdout()).contains("bearer-token auth on: 1 tokens").doesNotContain("no tokens configured");
        }
    }

    private static void awaitReady(NodeProcess node, Http http) throws Exception {
        Await.until("the node answers /ready", Duration.ofSeconds(60), () -> {
            if (!node.process.isAlive()) {
                throw new AssertionError("cairn exited: " + safeStderr(node));
            }
            try {
                return http.send(http.request("/ready").GET().build()).status() == 200;
            } catch (AssertionError connectionRefused) {
                return false;
            }
        });
    }

    private static String safeStderr(NodeProcess node) {
        try {
            return node.stderr();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
