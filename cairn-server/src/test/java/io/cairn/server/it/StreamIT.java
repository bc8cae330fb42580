package io.cairn.server.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class StreamIT {
    private static final Pattern OPEN = Pattern.compile("(?m)^cairn_http_connections_open (\\d+)");

    @TempDir
    Path dir;
    TestNode node;
    Http http;

    @BeforeEach
    void start() throws Exception {
        // Small segments so that delete-before can drop some and a stream can start below the log start.
        node = TestNode.start(dir, b -> b.sseHeartbeatMs(300).segmentBytes(4096).maxRecordBytes(1024));
        http = node.http();
        http.createTopic("t", 1);
        http.produce("t", "partition=0", "first");
        http.produce("t", "partition=0", "second");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private int openConnections() {
        var m = OPEN.matcher(http.get("/metrics").body());
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** Reads lines until {@code count} non-empty lines were seen, bounded by a deadline. */
    private static List<String> take(Iterator<String> lines, int count) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            var out = new ArrayList<String>();
            while (out.size() < count && lines.hasNext()) {
                String l = lines.next();
                if (!l.isEmpty()) {
                    out.add(l);
                }
            }
            return out;
        }).get(30, TimeUnit.SECONDS);
    }

    @Test
    void streamsRecordsAsEventsWithOffsetIdsThenHeartbeatsAndStopsWhenTheClientLeaves() throws Exception {
        int before = openConnections();
        var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var req = HttpRequest.newBuilder(URI.create(node.node().baseUrl() + "/broker/stream/t/g/0?offset=1"))
            .timeout(Duration.ofSeconds(60)).build();
        HttpResponse<Stream<String>> res = client.send(req, HttpResponse.BodyHandlers.ofLines());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        Stream<String> body = res.body();
        Iterator<String> lines = body.iterator();

        var first = take(lines, 2);
        assertThat(first.get(0)).isEqualTo("id: 1");
        assertThat(first.get(1)).startsWith("data: ").contains("\"value\":\"second\"").contains("\"offset\":1");

        http.produce("t", "partition=0", "third");
        var next = take(lines, 2);
        assertThat(next.get(0)).isEqualTo("id: 2");
        assertThat(next.get(1)).contains("\"value\":\"third\"");

        // Nothing new: the stream sends heartbeat comments.
        assertThat(take(lines, 1).get(0)).isEqualTo(": heartbeat");

        assertThat(openConnections()).isGreaterThan(before);
        body.close();
        client.shutdownNow();
        Await.until("the node closes the stream's connection", Duration.ofSeconds(20), () -> openConnections() <= before);
        // The node keeps serving.
        assertThat(http.produce("t", "partition=0", "after").status()).isEqualTo(200);
    }

    @Test
    void aStreamBelowTheLogStartSaysResetAndContinuesFromTheLogStart() throws Exception {
        http.createTopic("r", 1);
        for (int i = 0; i < 40; i++) {
            assertThat(http.produce("r", "partition=0", "r" + i + "-" + "v".repeat(500)).status()).isEqualTo(200);
        }
        var deleted = http.postJson("/broker/delete-before", "{\"topic\":\"r\",\"partition\":0,\"before_offset\":30}");
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        long logStart = deleted.json().path("log_start").asLong();
        assertThat(logStart).isPositive();

        var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            var res = client.send(HttpRequest.newBuilder(URI.create(node.node().baseUrl() + "/broker/stream/r/g/0?offset=0"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(res.statusCode()).isEqualTo(200);
            try (var body = res.body()) {
                var lines = take(body.iterator(), 4);
                assertThat(lines.get(0)).isEqualTo("event: reset");
                assertThat(lines.get(1)).isEqualTo("data: {\"next_offset\":" + logStart + ",\"log_start\":" + logStart + "}");
                assertThat(lines.get(2)).isEqualTo("id: " + logStart);
                assertThat(lines.get(3)).contains("\"value\":\"r" + logStart + "-");
            }
        } finally {
            client.shutdownNow();
        }
    }

    @Test
    void resumesFromLastEventIdOrTheGroupsCommit() throws Exception {
        http.postJson("/broker/commit", "{\"topic\":\"t\",\"group\":\"g\",\"partition\":0,\"offset\":0}");
        var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            var byGroup = client.send(HttpRequest.newBuilder(URI.create(node.node().baseUrl() + "/broker/stream/t/g/0")).build(),
                HttpResponse.BodyHandlers.ofLines());
            try (var s = byGroup.body()) {
                assertThat(take(s.iterator(), 1).get(0)).isEqualTo("id: 1");
            }
            var byId = client.send(HttpRequest.newBuilder(URI.create(node.node().baseUrl() + "/broker/stream/t/other/0"))
                .header("Last-Event-ID", "0").build(), HttpResponse.BodyHandlers.ofLines());
            try (var s = byId.body()) {
                assertThat(take(s.iterator(), 1).get(0)).isEqualTo("id: 1");
            }
        } finally {
            client.shutdownNow();
        }
        assertThat(http.get("/broker/stream/t/g/0?offset=-1").status()).isEqualTo(400);
        assertThat(http.get("/broker/stream/t/g/1").status()).isEqualTo(404);
        assertThat(http.get("/broker/stream/t/g/0?limit=5").error()).isEqualTo("unknown_parameter");
    }
}
