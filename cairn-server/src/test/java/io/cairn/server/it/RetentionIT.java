package io.cairn.server.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class RetentionIT {
    @TempDir
    Path dir;
    TestNode node;
    Http http;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir, b -> {
            b.segmentBytes(4096);
            b.maxRecordBytes(1024);
            b.retentionCheckMs(100);
        });
        http = node.http();
        http.createTopic("t", 1);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private void fill(int records) {
        String v = "v".repeat(500);
        for (int i = 0; i < records; i++) {
            assertThat(http.produce("t", "partition=0", v).status()).isEqualTo(200);
        }
    }

    private long logStart() {
        return http.get("/broker/topics/t").json().path("partitions").get(0).path("log_start").asLong();
    }

    @Test
    void deleteBeforeRaisesTheLogStartAndReadsBelowItReset() {
        fill(40);
        var r = http.postJson("/broker/delete-before", "{\"topic\":\"t\",\"partition\":0,\"before_offset\":30}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        long start = r.json().path("log_start").asLong();
        assertThat(start).isPositive().isLessThanOrEqualTo(30);
        assertThat(r.json().path("deleted_segments").asInt()).isPositive();
        assertThat(r.json().path("freed_bytes").asLong()).isPositive();
        assertThat(logStart()).isEqualTo(start);

        var below = http.consume("t", "g", 0, "offset=0").json();
        assertThat(below.path("reset").asBoolean()).isTrue();
        assertThat(below.path("count").asInt()).isZero();
        assertThat(below.path("next_offset").asLong()).isEqualTo(start);
        var from = http.consume("t", "g", 0, "offset=" + start + "&limit=1").json();
        assertThat(from.path("messages").get(0).path("offset").asLong()).isEqualTo(start);
    }

    @Test
    void invalidDeleteBeforeChangesNothing() {
        fill(3);
        String[][] cases = {
            {"{\"topic\":\"t\",\"partition\":0,\"before_offset\":4}", "400"},
            {"{\"topic\":\"t\",\"partition\":0,\"before_offset\":-1}", "400"},
            {"{\"topic\":\"t\",\"partition\":1,\"before_offset\":1}", "404"},
            {"{\"topic\":\"u\",\"partition\":0,\"before_offset\":1}", "404"},
            {"{\"topic\":\"t\",\"partition\":0}", "400"},
        };
        for (String[] c : cases) {
            assertThat(http.postJson("/broker/delete-before", c[0]).status()).as(c[0]).isEqualTo(Integer.parseInt(c[1]));
        }
        assertThat(logStart()).isZero();
    }

    @Test
    void retentionBySizeDeletesOldSegmentsInTheBackground() {
        fill(60);
        var set = http.postJson("/broker/retention", "{\"topic\":\"t\",\"retention\":{\"bytes\":8192}}");
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.json().path("retention").path("bytes").asLong()).isEqualTo(8192);
        assertThat(http.get("/broker/topics/t").json().path("retention").path("bytes").asLong()).isEqualTo(8192);
        Await.until("retention moves the log start", java.time.Duration.ofSeconds(30), () -> logStart() > 0);
        long bytes = http.get("/broker/topics/t").json().path("partitions").get(0).path("log_bytes").asLong();
        assertThat(bytes).isLessThan(60 * 500);
        // The newest records are still there.
        assertThat(http.consume("t", "g", 0, "offset=59").json().path("count").asInt()).isEqualTo(1);
    }

    @Test
    void retentionByTimeDeletesSealedSegmentsOlderThanTheBound() {
        fill(40);
        // Set at create time: a topic made with a time bound is swept without a retention call.
        var created = http.postJson("/broker/topics", "{\"name\":\"aged\",\"partitions\":1,\"retention\":{\"ms\":1}}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        for (int i = 0; i < 40; i++) {
            assertThat(http.produce("aged", "partition=0", "a" + i + "-" + "v".repeat(500)).status()).isEqualTo(200);
        }
        // Rounds run every 100 ms, also during the fill; wait until only the active segment (which
        // retention never deletes) is left, so that the log start no longer moves.
        Await.until("age retention deletes every sealed segment", java.time.Duration.ofSeconds(30), () -> {
            var part = http.get("/broker/topics/aged").json().path("partitions").get(0);
            return part.path("log_start").asLong() > 0 && part.path("log_bytes").asLong() <= 4096;
        });
        var p = http.get("/broker/topics/aged").json().path("partitions").get(0);
        long start = p.path("log_start").asLong();
        assertThat(p.path("high_watermark").asLong()).as("deleting old records never moves the end").isEqualTo(40);
        var first = http.consume("aged", "g", 0, "offset=" + start + "&limit=1").json().path("messages").get(0);
        assertThat(first.path("offset").asLong()).isEqualTo(start);
        assertThat(first.path("value").asText()).startsWith("a" + start + "-");
        // The topic without a bound kept everything.
        assertThat(logStart()).isZero();
    }

    @Test
    void invalidRetentionIsRejected() {
        assertThat(http.postJson("/broker/retention", "{\"topic\":\"t\",\"retention\":{\"ms\":0}}").status()).isEqualTo(400);
        assertThat(http.postJson("/broker/retention", "{\"topic\":\"t\"}").status()).isEqualTo(400);
        assertThat(http.postJson("/broker/retention", "{\"topic\":\"u\",\"retention\":{}}").status()).isEqualTo(404);
        assertThat(http.get("/broker/topics/t").json().path("retention").path("ms").isNull()).isTrue();
    }
}
