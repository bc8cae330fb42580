package io.cairn.server.it;

import io.cairn.server.config.TokenSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AuthIT {
    static final String ADMIN = "admin-secret-0123456789";
    static final String APP = "app-secret-abcdefghijkl";
    static final String READER = "reader-secret-zyxwvuts";

    @TempDir
    Path dir;
    TestNode node;
    Http anon;
    Http admin;
    Http app;
    Http reader;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir, b -> b.tokens(List.of(
            TokenSpec.parse("root:" + ADMIN + ":admin", "test"),
            TokenSpec.parse("app:" + APP + ":produce:orders*,consume:orders*", "test"),
            TokenSpec.parse("reader:" + READER + ":consume:orders", "test"))));
        anon = node.http();
        admin = anon.withToken(ADMIN);
        app = anon.withToken(APP);
        reader = anon.withToken(READER);
        assertThat(admin.createTopic("orders", 1).status()).isEqualTo(201);
        assertThat(admin.createTopic("secrets", 1).status()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void healthReadyAndMetricsAreAlwaysOpen() {
        assertThat(anon.get("/health").status()).isEqualTo(200);
        assertThat(anon.get("/ready").status()).isEqualTo(200);
        assertThat(anon.get("/metrics").status()).isEqualTo(200);
    }

    @Test
    void missingOrWrongTokenIs401AndChangesNothing() {
        var none = anon.produce("orders", "", "x");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.error()).isEqualTo("missing_token");
        assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
        var wrong = anon.withToken(ADMIN + "x").createTopic("new", 1);
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.error()).isEqualTo("invalid_token");
        assertThat(anon.get("/broker/topics").status()).isEqualTo(401);
        assertThat(admin.get("/broker/topics").json().path("topics").findValuesAsText("name"))
            .containsExactly("orders", "secrets");
        assertThat(admin.consume("orders", "g", 0, "offset=0").json().path("count").asInt()).isZero();
    }

    /** One request per protected route: method, path, JSON body (null for none). */
    private static final String[][] PROTECTED = {
        {"GET", "/cluster", null},
        {"POST", "/cluster/transfer-leadership", "{}"},
        {"POST", "/cluster/nodes", "{\"id\":\"n2\",\"peer_address\":\"127.0.0.1:7102\",\"http_url\":\"http://127.0.0.1:7002\"}"},
        {"DELETE", "/cluster/nodes/n2", null},
        {"POST", "/cluster/rebalance", ""},
        {"POST", "/broker/topics", "{\"name\":\"intruder\",\"partitions\":1}"},
        {"GET", "/broker/topics", null},
        {"GET", "/broker/topics/orders", null},
        {"DELETE", "/broker/topics/orders", null},
        {"POST", "/broker/topics/orders/produce?partition=0", "x"},
        {"POST", "/broker/topics/orders/produce-ndjson?partition=0", "1\n2\n"},
        {"GET", "/broker/consume/orders/g/0?offset=0", null},
        {"GET", "/broker/stream/orders/g/0?offset=0", null},
        {"POST", "/broker/commit", "{\"topic\":\"orders\",\"group\":\"g\",\"partition\":0,\"offset\":0}"},
        {"GET", "/broker/groups/g", null},
        {"POST", "/broker/retention", "{\"topic\":\"orders\",\"retention\":{\"bytes\":1}}"},
        {"POST", "/broker/delete-before", "{\"topic\":\"orders\",\"partition\":0,\"before_offset\":1}"},
        {"POST", "/bench/noop", "x"},
    };

    private static Http.Reply send(Http h, String[] route) {
        var b = h.request(route[1]);
        if (route[2] == null) {
            b.method(route[0], java.net.http.HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                .method(route[0], java.net.http.HttpRequest.BodyPublishers.ofString(route[2]));
        }
        return h.send(b.build());
    }

    /** The state every refused request below must leave exactly as it was. */
    private String observableState() {
        var orders = admin.get("/broker/topics/orders").json();
        var p0 = orders.path("partitions").get(0);
        return admin.get("/broker/topics").json().path("topics") + " hw=" + p0.path("high_watermark")
            + " start=" + p0.path("log_start") + " retention=" + orders.path("retention")
            + " group=" + admin.get("/broker/groups/g").status();
    }

    @Test
    void everyProtectedRouteRefusesAMissingOrWrongTokenAndChangesNothing() {
        assertThat(admin.produce("orders", "partition=0", "one").status()).isEqualTo(200);
        String before = observableState();
        Http wrong = anon.withToken(ADMIN + "-not");
        for (String[] route : PROTECTED) {
            var none = send(anon, route);
            assertThat(none.status()).as(route[0] + " " + route[1] + " without a token -> " + none).isEqualTo(401);
            assertThat(none.error()).isEqualTo("missing_token");
            assertThat(none.header("WWW-Authenticate")).as(route[1]).startsWith("Bearer");
            var bad = send(wrong, route);
            assertThat(bad.status()).as(route[0] + " " + route[1] + " with a wrong token -> " + bad).isEqualTo(401);
            assertThat(bad.error()).isEqualTo("invalid_token");
        }
        assertThat(observableState()).isEqualTo(before);
    }

    @Test
    void adminRoutesRefuseATokenWithoutTheAdminScopeAndChangeNothing() {
        assertThat(admin.produce("orders", "partition=0", "one").status()).isEqualTo(200);
        String before = observableState();
        for (String[] route : PROTECTED) {
            boolean adminOnly = route[1].startsWith("/cluster/") || route[1].equals("/broker/retention")
                || route[1].equals("/broker/delete-before")
                || (route[1].startsWith("/broker/topics") && !route[0].equals("GET") && !route[1].contains("produce"));
            if (!adminOnly) {
                continue;
            }
            var r = send(app, route);
            assertThat(r.status()).as(route[0] + " " + route[1] + " with a produce/consume token -> " + r).isEqualTo(403);
            assertThat(r.error()).isEqualTo("forbidden");
            assertThat(r.json().path("message").asText()).contains("admin");
        }
        assertThat(observableState()).isEqualTo(before);
    }

    @Test
    void scopesLimitWhatATokenMayDo() {
        assertThat(app.produce("orders", "", "ok").status()).isEqualTo(200);
        var denied = app.produce("secrets", "", "no");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.error()).isEqualTo("forbidden");
        assertThat(app.createTopic("mine", 1).status()).isEqualTo(403);
        assertThat(app.delete("/broker/topics/orders").status()).isEqualTo(403);
        assertThat(reader.produce("orders", "", "no").status()).isEqualTo(403);
        assertThat(reader.consume("orders", "g", 0, "offset=0").json().path("count").asInt()).isEqualTo(1);
        assertThat(reader.consume("secrets", "g", 0, "offset=0").status()).isEqualTo(403);
        assertThat(reader.get("/broker/stream/secrets/g/0").status()).isEqualTo(403);
        // Commit needs consume on the topic named in the body.
        var commit = reader.postJson("/broker/commit", "{\"topic\":\"secrets\",\"group\":\"g\",\"partition\":0,\"offset\":0}");
        assertThat(commit.status()).isEqualTo(403);
        assertThat(reader.postJson("/broker/retention", "{\"topic\":\"orders\",\"retention\":{\"ms\":1}}").status()).isEqualTo(403);
        assertThat(admin.get("/broker/topics/orders").json().path("retention").path("ms").isNull()).isTrue();
        assertThat(admin.get("/broker/groups/g").status()).as("the refused commit left no group").isEqualTo(404);
        assertThat(admin.consume("secrets", "g", 0, "offset=0").json().path("count").asInt()).isZero();
        assertThat(admin.get("/broker/topics").json().path("topics")).hasSize(2);
    }
}
