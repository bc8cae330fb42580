package io.cairn.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class ProduceConsumeIT {
    @TempDir
    Path dir;
    TestNode node;
    Http http;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir, b -> {
            b.maxRecordBytes = 1024;
            b.maxBodyBytes = 4096;
            b.maxConsumeRecords = 50;
            b.maxBatchRecords = 10;
        });
        http = node.http();
        assertThat(http.createTopic("t", 4).status()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private long hw(int partition) {
        return http.get("/broker/topics/t").json().path("partitions").get(partition).path("high_watermark").asLong();
    }

    private long totalHw() {
        long sum = 0;
        for (int p = 0; p < 4; p++) {
            sum += hw(p);
        }
        return sum;
    }

    @Test
    void producedRecordsGetDenseOffsetsAndReadBackByteForByte() {
        for (int i = 0; i < 5; i++) {
            var r = http.produce("t", "partition=2", "value-" + i);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            JsonNode j = r.json();
            assertThat(j.path("ok").asBoolean()).isTrue();
            assertThat(j.path("topic").asText()).isEqualTo("t");
            assertThat(j.path("partition").asInt()).isEqualTo(2);
            assertThat(j.path("offset").asLong()).isEqualTo(i);
            assertThat(j.path("durable").asBoolean()).isTrue();
            assertThat(j.path("duplicate").asBoolean()).isFalse();
        }
        var page = http.consume("t", "g", 2, "offset=1&limit=3").json();
        assertThat(page.path("count").asInt()).isEqualTo(3);
        assertThat(page.path("messages").findValuesAsText("value")).containsExactly("value-1", "value-2", "value-3");
        assertThat(page.path("messages").get(0).path("offset").asLong()).isEqualTo(1);
        assertThat(page.path("messages").get(0).path("partition").asInt()).isEqualTo(2);
        assertThat(page.path("messages").get(0).path("timestamp").asLong()).isPositive();
        assertThat(page.path("next_offset").asLong()).isEqualTo(4);
        assertThat(page.path("high_watermark").asLong()).isEqualTo(5);
        assertThat(page.path("log_start").asLong()).isZero();
        assertThat(page.path("committed_offset").asLong()).isEqualTo(-1);
        assertThat(page.path("reset").asBoolean()).isFalse();

        var end = http.consume("t", "g", 2, "offset=5").json();
        assertThat(end.path("count").asInt()).isZero();
        assertThat(end.path("next_offset").asLong()).isEqualTo(5);
        // Without an offset and without a commit, a group starts at the log start.
        assertThat(http.consume("t", "g", 2, "limit=1").json().path("messages").get(0).path("offset").asLong()).isZero();
    }

    @Test
    void binaryValuesAndKeysRoundTrip() {
        byte[] bin = {0, (byte) 0xff, (byte) 0xc3, 10};
        var r = http.post("/broker/topics/t/produce?partition=0&key=k%C3%A9y", bin, "application/octet-stream");
        assertThat(r.status()).isEqualTo(200);
        http.produce("t", "partition=0", "text");
        var utf8 = http.consume("t", "g", 0, "offset=0").json().path("messages");
        assertThat(utf8.get(0).has("value")).isFalse();
        assertThat(Base64.getDecoder().decode(utf8.get(0).path("value_b64").asText())).containsExactly(bin);
        assertThat(utf8.get(0).path("key").asText()).isEqualTo("kéy");
        assertThat(utf8.get(1).path("value").asText()).isEqualTo("text");
        var b64 = http.consume("t", "g", 0, "offset=1&encoding=b64").json().path("messages");
        assertThat(b64.get(0).path("value_b64").asText()).isEqualTo("dGV4dA==");
    }

    @Test
    void partitionIsChosenByKeyThenIdempotencyKeyThenRoundRobin() {
        var byKey = new HashSet<Integer>();
        for (int i = 0; i < 5; i++) {
            byKey.add(http.produce("t", "key=customer-42", "v").json().path("partition").asInt());
        }
        assertThat(byKey).hasSize(1);
        int first = http.produce("t", "idempotency_key=abc", "v").json().path("partition").asInt();
        int retry = http.produce("t", "idempotency_key=abc", "v").json().path("partition").asInt();
        assertThat(retry).isEqualTo(first);
        var rr = new ArrayList<Integer>();
        for (int i = 0; i < 8; i++) {
            rr.add(http.produce("t", "", "v").json().path("partition").asInt());
        }
        assertThat(new HashSet<>(rr)).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void retryWithTheSameIdempotencyKeyReturnsTheOriginalOffset() {
        http.produce("t", "partition=1", "before");
        var a = http.produce("t", "partition=1&idempotency_key=order-7", "payload").json();
        var b = http.produce("t", "partition=1&idempotency_key=order-7", "payload").json();
        assertThat(a.path("duplicate").asBoolean()).isFalse();
        assertThat(b.path("duplicate").asBoolean()).isTrue();
        assertThat(b.path("offset").asLong()).isEqualTo(a.path("offset").asLong());
        assertThat(hw(1)).isEqualTo(2);
    }

    /** The configured count bound of the dedupe window reaches every partition's state machine. */
    @Test
    void theDedupeWindowForgetsTheOldestKeyBeyondItsCountBound() throws Exception {
        try (var small = TestNode.start(dir.resolve("small-window"), b -> b.dedupeWindowKeys = 2)) {
            var h = small.http();
            assertThat(h.createTopic("w", 1).status()).isEqualTo(201);
            assertThat(h.get("/broker/topics/w").json().path("dedupe_window").path("keys").asLong()).isEqualTo(2);
            for (String key : new String[] {"a", "b", "c"}) {
                assertThat(h.produce("w", "partition=0&idempotency_key=" + key, key).json().path("duplicate").asBoolean())
                    .isFalse();
            }
            var c = h.produce("w", "partition=0&idempotency_key=c", "c").json();
            assertThat(c.path("duplicate").asBoolean()).as("a key inside the window").isTrue();
            assertThat(c.path("offset").asLong()).isEqualTo(2);
            var a = h.produce("w", "partition=0&idempotency_key=a", "a").json();
            assertThat(a.path("duplicate").asBoolean()).as("the oldest key, evicted by the third").isFalse();
            assertThat(a.path("offset").asLong()).isEqualTo(3);
        }
    }

    @Test
    void timingIsReportedOnRequest() {
        var j = http.produce("t", "partition=0&timing=1", "v").json();
        JsonNode t = j.path("timing");
        for (String f : new String[] {"parse_us", "queue_us", "server_us", "fsync_us", "replicate_us"}) {
            assertThat(t.has(f)).as(f).isTrue();
        }
        assertThat(t.path("server_us").asLong()).isGreaterThanOrEqualTo(t.path("parse_us").asLong());
        assertThat(http.produce("t", "partition=0", "v").json().has("timing")).isFalse();
    }

    @Test
    void ndjsonIsOneAtomicBatch() {
        String body = "\"plain string\"\n{\"a\":1}\n[1,2]\n\n3.25\n";
        var r = http.post("/broker/topics/t/produce-ndjson?partition=3", body.getBytes(StandardCharsets.UTF_8),
            "application/x-ndjson");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        var j = r.json();
        assertThat(j.path("partition").asInt()).isEqualTo(3);
        assertThat(j.path("first_offset").asLong()).isZero();
        assertThat(j.path("count").asInt()).isEqualTo(4);
        assertThat(j.path("results").findValuesAsText("offset")).containsExactly("0", "1", "2", "3");
        var msgs = http.consume("t", "g", 3, "offset=0").json().path("messages");
        assertThat(msgs.findValuesAsText("value")).containsExactly("plain string", "{\"a\":1}", "[1,2]", "3.25");

        var env = http.post("/broker/topics/t/produce-ndjson?partition=3&envelope=1",
            ("{\"value\":\"x\",\"key\":\"k1\",\"idempotency_key\":\"i1\"}\n"
                + "{\"value_b64\":\"AP8=\",\"idempotency_key\":\"i2\"}\n").getBytes(StandardCharsets.UTF_8), null);
        assertThat(env.status()).as(env.toString()).isEqualTo(200);
        assertThat(env.json().path("first_offset").asLong()).isEqualTo(4);
        var again = http.post("/broker/topics/t/produce-ndjson?partition=3&envelope=1",
            "{\"value\":\"x\",\"key\":\"k1\",\"idempotency_key\":\"i1\"}".getBytes(StandardCharsets.UTF_8), "text/plain");
        assertThat(again.json().path("results").get(0).path("duplicate").asBoolean()).isTrue();
        assertThat(again.json().path("results").get(0).path("offset").asLong()).isEqualTo(4);
        var m = http.consume("t", "g", 3, "offset=4").json().path("messages");
        assertThat(m.get(0).path("key").asText()).isEqualTo("k1");
        assertThat(m.get(1).path("value_b64").asText()).isEqualTo("AP8=");
    }

    @Test
    void badNdjsonRejectsTheWholeRequestNamingTheLine() {
        long before = totalHw();
        var r = http.post("/broker/topics/t/produce-ndjson?partition=0", "1\n2\n{oops\n4\n".getBytes(), null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_ndjson");
        assertThat(r.json().path("message").asText()).startsWith("line 3:");
        var big = http.post("/broker/topics/t/produce-ndjson?partition=0",
            ("1\n\"" + "x".repeat(1100) + "\"\n").getBytes(), null);
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.json().path("message").asText()).startsWith("line 2:");
        var env = http.post("/broker/topics/t/produce-ndjson?partition=0&envelope=1", "{\"value\":1}\n[2]".getBytes(), null);
        assertThat(env.status()).isEqualTo(400);
        assertThat(env.json().path("message").asText()).startsWith("line 2:");
        var type = http.post("/broker/topics/t/produce-ndjson", "1".getBytes(), "application/xml");
        assertThat(type.status()).isEqualTo(415);
        assertThat(totalHw()).isEqualTo(before);
    }

    @Test
    void anNdjsonRequestOverItsRecordOrBodyBoundIs413AndWritesNothing() {
        var tooMany = http.post("/broker/topics/t/produce-ndjson?partition=0", "1\n".repeat(11).getBytes(), null);
        assertThat(tooMany.status()).as(tooMany.toString()).isEqualTo(413);
        assertThat(tooMany.error()).isEqualTo("batch_too_large");
        var tooBig = http.post("/broker/topics/t/produce-ndjson?partition=0", ("\"" + "x".repeat(5000) + "\"\n").getBytes(), null);
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.error()).isEqualTo("body_too_large");
        assertThat(totalHw()).isZero();
        // Exactly the bound is accepted, as one batch.
        var ten = http.post("/broker/topics/t/produce-ndjson?partition=0", "1\n".repeat(10).getBytes(), null);
        assertThat(ten.status()).as(ten.toString()).isEqualTo(200);
        assertThat(ten.json().path("count").asInt()).isEqualTo(10);
        assertThat(totalHw()).isEqualTo(10);
    }

    @Test
    void everyWriteConcernIsAcknowledgedDurablyOnASingleNode() {
        for (String acks : new String[] {"leader", "majority", "all"}) {
            var r = http.produce("t", "partition=0&acks=" + acks + "&timeout_ms=10000", acks);
            assertThat(r.status()).as(acks + " -> " + r).isEqualTo(200);
            assertThat(r.json().path("durable").asBoolean()).isTrue();
            assertThat(r.json().path("synced").asBoolean()).isTrue();
        }
        assertThat(http.consume("t", "g", 0, "offset=0").json().path("messages").findValuesAsText("value"))
            .containsExactly("leader", "majority", "all");
    }

    @Test
    void oversizedValuesAndBodiesAre413AndWriteNothing() {
        var value = http.produce("t", "partition=0", "x".repeat(1025));
        assertThat(value.status()).isEqualTo(413);
        assertThat(value.error()).isEqualTo("record_too_large");
        var body = http.post("/broker/topics/t/produce?partition=0", new byte[5000], null);
        assertThat(body.status()).isEqualTo(413);
        assertThat(body.error()).isEqualTo("body_too_large");
        // The connection stays usable after a 413 and the exact limit is accepted.
        assertThat(http.produce("t", "partition=0", "x".repeat(1024)).status()).isEqualTo(200);
        assertThat(hw(0)).isEqualTo(1);
    }

    @Test
    void badQueryValuesAre400AndWriteNothing() {
        String[][] cases = {
            {"/broker/topics/t/produce?partition=-1", "invalid_parameter"},
            {"/broker/topics/t/produce?partition=abc", "invalid_parameter"},
            {"/broker/topics/t/produce?acks=some", "invalid_parameter"},
            {"/broker/topics/t/produce?timeout_ms=0", "invalid_parameter"},
            {"/broker/topics/t/produce?timeout_ms=1e3", "invalid_parameter"},
            {"/broker/topics/t/produce?timeout_ms=120001", "invalid_parameter"},
            {"/broker/topics/t/produce?timing=yes", "invalid_parameter"},
            {"/broker/topics/t/produce?idempotency_key=" + "k".repeat(257), "invalid_idempotency_key"},
            {"/broker/topics/t/produce?idempotency_key=", "invalid_idempotency_key"},
            {"/broker/topics/t/produce?partiton=1", "unknown_parameter"},
            {"/broker/topics/t/produce?partition=1&partition=2", "duplicate_parameter"},
        };
        for (String[] c : cases) {
            var r = http.post(c[0], "v");
            assertThat(r.status()).as(c[0] + " -> " + r).isEqualTo(400);
            assertThat(r.error()).as(c[0]).isEqualTo(c[1]);
        }
        for (String badName : new String[] {"bad%20name", "..", "x".repeat(250), "a%2Fb"}) {
            for (String route : new String[] {"/produce", "/produce-ndjson"}) {
                var r = http.post("/broker/topics/" + badName + route, "v");
                assertThat(r.status()).as(badName + route + " -> " + r).isEqualTo(400);
                assertThat(r.error()).as(badName + route).isEqualTo("invalid_topic_name");
            }
            var s = http.get("/broker/stream/t/" + badName + "/0");
            assertThat(s.status()).as("stream group " + badName + " -> " + s).isEqualTo(400);
        }
        assertThat(http.get("/broker/topics").json().path("topics")).hasSize(1);
        assertThat(http.post("/broker/topics/t/produce?partition=4", "v").error()).isEqualTo("partition_not_found");
        assertThat(http.post("/broker/topics/t/produce?partition=4", "v").status()).isEqualTo(404);
        assertThat(http.post("/broker/topics/nope/produce", "v").status()).isEqualTo(404);
        assertThat(totalHw()).isZero();
    }

    @Test
    void badConsumeQueriesAre400Or404() {
        String[][] cases = {
            {"/broker/consume/t/g/0?offset=-1", "400"},
            {"/broker/consume/t/g/0?offset=x", "400"},
            {"/broker/consume/t/g/0?limit=0", "400"},
            {"/broker/consume/t/g/0?limit=51", "400"},
            {"/broker/consume/t/g/0?max_bytes=0", "400"},
            {"/broker/consume/t/g/0?wait_ms=-5", "400"},
            {"/broker/consume/t/g/0?wait_ms=60001", "400"},
            {"/broker/consume/t/g/0?wait_ms=1.5", "400"},
            {"/broker/consume/t/g/0?max_bytes=-1", "400"},
            {"/broker/consume/t/g/0?limit=ten", "400"},
            {"/broker/consume/t/g/0?encoding=hex", "400"},
            {"/broker/consume/t/g/-1", "400"},
            {"/broker/consume/t/g/x", "400"},
            {"/broker/consume/t/bad%20group/0", "400"},
            {"/broker/consume/t/g/4", "404"},
            {"/broker/consume/nope/g/0", "404"},
        };
        for (String[] c : cases) {
            var r = http.get(c[0]);
            assertThat(r.status()).as(c[0] + " -> " + r).isEqualTo(Integer.parseInt(c[1]));
            assertThat(r.json().path("ok").asBoolean(true)).isFalse();
        }
    }

    @Test
    void maxBytesIsSoftAndAtLeastOneRecordComes() {
        for (int i = 0; i < 3; i++) {
            http.produce("t", "partition=0", "0123456789");
        }
        var page = http.consume("t", "g", 0, "offset=0&max_bytes=1").json();
        assertThat(page.path("count").asInt()).isEqualTo(1);
        assertThat(page.path("next_offset").asLong()).isEqualTo(1);
    }

    @Test
    void longPollReturnsWhenARecordArrives() throws Exception {
        var waiting = CompletableFuture.supplyAsync(() -> http.consume("t", "g", 1, "offset=0&wait_ms=60000"));
        http.produce("t", "partition=1", "wake");
        // Whether the poll parked before the produce or not, it must answer long before its 60 s wait ends.
        var r = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.json().path("messages").findValuesAsText("value")).containsExactly("wake");
        // With nothing to read, the wait ends with an empty page.
        var empty = http.consume("t", "g", 1, "offset=1&wait_ms=50").json();
        assertThat(empty.path("count").asInt()).isZero();
        assertThat(empty.path("next_offset").asLong()).isEqualTo(1);
    }

    @Test
    void keepAliveServesManyRequestsOnOneConnection() {
        for (int i = 0; i < 50; i++) {
            assertThat(http.produce("t", "partition=0", "v" + i).json().path("offset").asLong()).isEqualTo(i);
        }
        var noop = http.send(http.request("/bench/noop").POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))).build());
        assertThat(noop.status()).isEqualTo(200);
        assertThat(noop.json().path("ok").asBoolean()).isTrue();
        assertThat(hw(0)).isEqualTo(50);
    }
}
