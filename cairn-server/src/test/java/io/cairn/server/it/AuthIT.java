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
        assertThat(reader.postJson("/broker/retention", "{\"topic\":\"orders\",\"retention\":{}}").status()).isEqualTo(403);
        assertThat(admin.consume("secrets", "g", 0, "offset=0").json().path("count").asInt()).isZero();
        assertThat(admin.get("/broker/topics").json().path("topics")).hasSize(2);
    }
}
