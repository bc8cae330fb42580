package io.cairn.server.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Odd input on every route never yields a 5xx or a non-JSON answer, and never changes state.
 * The bodies and parameters come from a seeded generator (the seed is printed) plus fixed
 * troublemakers: empty, binary, deeply nested, huge numbers, wrong types.
 */
class BadInputSweepIT {
    @TempDir
    static Path dir;
    static TestNode node;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dir, b -> {
            b.maxRecordBytes(512);
            b.maxBodyBytes(4096);
        });
        http = node.http();
        http.createTopic("t", 2);
        http.produce("t", "partition=0", "keep");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static final List<String> JSON_ROUTES = List.of("/broker/topics", "/broker/commit", "/broker/retention",
        "/broker/delete-before", "/cluster/transfer-leadership", "/cluster/nodes");
    static final List<String> GET_ROUTES = List.of("/broker/topics/%s", "/broker/consume/%s/g/0", "/broker/groups/%s",
        "/broker/consume/t/%s/0", "/broker/consume/t/g/%s");

    static final List<String> FIXED_BODIES = List.of("", "null", "1", "\"s\"", "[]", "{}", "{\"topic\":null}",
        "{\"name\":\"t\",\"partitions\":99999999999999999999999}", "{\"name\":{\"a\":1},\"partitions\":[1]}",
        "{\"topic\":\"t\",\"group\":\"g\",\"partition\":0,\"offset\":1e400}",
        "{\"topic\":\"t\",\"partition\":0,\"before_offset\":9223372036854775808}",
        "[".repeat(3000) + "]".repeat(3000), "{\"a\":\"\\ud800\"}", "\u0000\u0001garbage", "{\"name\":\"t\",\"partitions\":1,}");

    private static String randomText(SplittableRandom r) {
        int n = r.nextInt(40);
        var sb = new StringBuilder();
        String alphabet = "{}[]\":,0123456789-.eE truefalsnul\\/%&?=#\u00e9\u20ac";
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static void assertClientError(Http.Reply r, String what) {
        assertThat(r.status()).as(what + " -> " + r).isBetween(400, 499);
        assertThat(r.json().path("ok").asBoolean(true)).as(what).isFalse();
        assertThat(r.json().path("error").asText()).as(what).isNotEmpty();
    }

    @Test
    void oddBodiesAndPathsAreClientErrorsAndChangeNothing() {
        long seed = System.nanoTime();
        System.out.println("BadInputSweepIT seed " + seed);
        var random = new SplittableRandom(seed);
        for (String route : JSON_ROUTES) {
            for (String body : FIXED_BODIES) {
                assertClientError(http.postJson(route, body), "POST " + route + " " + abbreviate(body));
            }
            for (int i = 0; i < 30; i++) {
                String body = randomText(random);
                assertClientError(http.postJson(route, body), "POST " + route + " " + body + " (seed " + seed + ")");
            }
        }
        for (String template : GET_ROUTES) {
            for (String segment : List.of("%00", "..", ".", "%2F", "a%20b", "x".repeat(300), "%E2%82", "%25")) {
                var r = http.get(String.format(template, segment));
                assertThat(r.status()).as(template + " " + segment + " -> " + r).isBetween(400, 499);
            }
        }
        for (int i = 0; i < 30; i++) {
            String q = java.net.URLEncoder.encode(randomText(random), StandardCharsets.UTF_8);
            var r = http.post("/broker/topics/t/produce?partition=" + q, "v");
            if (r.status() != 200) {
                assertClientError(r, "produce partition=" + q + " (seed " + seed + ")");
            }
            var c = http.get("/broker/consume/t/g/0?offset=" + q + "&limit=" + q);
            if (c.status() != 200) {
                assertClientError(c, "consume offset=" + q + " (seed " + seed + ")");
            }
        }
        var raw = http.send(http.request("/broker/topics/t/produce-ndjson?partition=1")
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xff, (byte) 0xfe, '\n', '{'})).build());
        assertClientError(raw, "binary NDJSON");

        var topics = http.get("/broker/topics").json().path("topics");
        assertThat(topics).hasSize(1);
        assertThat(http.get("/broker/topics/t").json().path("partitions").get(1).path("high_watermark").asLong()).isZero();
        assertThat(http.consume("t", "g", 0, "offset=0").json().path("messages").get(0).path("value").asText()).isEqualTo("keep");
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
