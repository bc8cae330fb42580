package io.cairn.server.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TopicsIT {
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
    void createIsIdempotentForIdenticalSettingsAndConflictsOtherwise() {
        var created = http.postJson("/broker/topics", "{\"name\":\"orders\",\"partitions\":3,\"retention\":{\"ms\":60000}}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.json().path("ok").asBoolean()).isTrue();
        assertThat(created.json().path("topic").asText()).isEqualTo("orders");
        assertThat(created.json().path("partitions").asInt()).isEqualTo(3);
        assertThat(created.json().path("replication_factor").asInt()).isEqualTo(1);

        var again = http.postJson("/broker/topics", "{\"name\":\"orders\",\"partitions\":3,\"retention\":{\"ms\":60000}}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("created").asBoolean()).isFalse();

        var conflict = http.createTopic("orders", 4);
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.error()).isEqualTo("topic_exists");
        assertThat(http.get("/broker/topics/orders").json().path("partition_count").asInt()).isEqualTo(3);
    }

    @Test
    void listDescribeAndDeleteRemovesData() {
        http.createTopic("a", 1);
        http.createTopic("b", 2);
        var list = http.get("/broker/topics");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().path("topics").findValuesAsText("name")).containsExactly("a", "b");

        assertThat(http.produce("b", "partition=1", "hello").status()).isEqualTo(200);
        var d = http.get("/broker/topics/b");
        assertThat(d.status()).isEqualTo(200);
        assertThat(d.json().path("partitions")).hasSize(2);
        var p1 = d.json().path("partitions").get(1);
        assertThat(p1.path("partition").asInt()).isEqualTo(1);
        assertThat(p1.path("leader").asText()).isEqualTo("n1");
        assertThat(p1.path("log_start").asLong()).isZero();
        assertThat(p1.path("high_watermark").asLong()).isEqualTo(1);
        assertThat(p1.path("replicas").get(0).asText()).isEqualTo("n1");
        assertThat(d.json().path("dedupe_window").path("ms").asLong()).isEqualTo(600_000);
        assertThat(d.json().path("dedupe_window").path("keys").asLong()).isEqualTo(1_000_000);
        assertThat(dir.resolve("topics/b/1")).isDirectory();

        var del = http.delete("/broker/topics/b");
        assertThat(del.status()).as(del.toString()).isEqualTo(200);
        assertThat(dir.resolve("topics/b")).doesNotExist();
        assertThat(http.get("/broker/topics/b").status()).isEqualTo(404);
        assertThat(http.delete("/broker/topics/b").error()).isEqualTo("topic_not_found");
        assertThat(http.produce("b", "", "x").status()).isEqualTo(404);

        // A new topic with the old name starts empty: the old records are gone, not inherited.
        http.createTopic("b", 2);
        assertThat(http.consume("b", "g", 1, "offset=0").json().path("count").asInt()).isZero();
        assertThat(http.get("/broker/topics/b").json().path("partitions").get(1).path("high_watermark").asLong()).isZero();
    }

    @Test
    void topicsSurviveARestart() throws Exception {
        http.postJson("/broker/topics", "{\"name\":\"keep\",\"partitions\":2,\"retention\":{\"bytes\":1000000}}");
        http.produce("keep", "partition=0", "v0");
        node.restart();
        http = node.http();
        var d = http.get("/broker/topics/keep").json();
        assertThat(d.path("partition_count").asInt()).isEqualTo(2);
        assertThat(d.path("retention").path("bytes").asLong()).isEqualTo(1_000_000);
        assertThat(http.consume("keep", "g", 0, "offset=0").json().path("messages").get(0).path("value").asText())
            .isEqualTo("v0");
    }

    @Test
    void invalidCreatesAreRejectedAndCreateNothing() throws Exception {
        String[][] cases = {
            {"{\"name\":\"bad name\",\"partitions\":1}", "400", "invalid_topic_name"},
            {"{\"name\":\"..\",\"partitions\":1}", "400", "invalid_topic_name"},
            {"{\"name\":\"" + "x".repeat(250) + "\",\"partitions\":1}", "400", "invalid_topic_name"},
            {"{\"name\":\"t\",\"partitions\":0}", "400", "invalid_field"},
            {"{\"name\":\"t\",\"partitions\":1025}", "400", "invalid_field"},
            {"{\"name\":\"t\",\"partitions\":\"3\"}", "400", "invalid_field"},
            {"{\"name\":\"t\",\"partitions\":1.5}", "400", "invalid_field"},
            {"{\"name\":\"t\"}", "400", "missing_field"},
            {"{\"name\":\"t\",\"partitions\":1,\"replication_factor\":3}", "400", "invalid_replication_factor"},
            {"{\"name\":\"t\",\"partitions\":1,\"partitons\":2}", "400", "unknown_field"},
            {"{\"name\":\"t\",\"partitions\":1,\"retention\":{\"ms\":-1}}", "400", "invalid_field"},
            {"{\"name\":\"t\",\"partitions\":1,\"retention\":{\"days\":1}}", "400", "unknown_field"},
            {"{\"name\":\"t\",\"partitions\":1,\"name\":\"u\"}", "400", "invalid_json"},
            {"{\"name\":\"t\",\"partitions\":1}{}", "400", "invalid_json"},
            {"{\"name\":\"t\",", "400", "invalid_json"},
            {"[]", "400", "invalid_json"},
            {"", "400", "invalid_json"},
        };
        for (String[] c : cases) {
            var r = http.postJson("/broker/topics", c[0]);
            assertThat(r.status()).as(c[0] + " -> " + r).isEqualTo(Integer.parseInt(c[1]));
            assertThat(r.json().path("ok").asBoolean(true)).isFalse();
            assertThat(r.error()).as(c[0]).isEqualTo(c[2]);
            assertThat(r.json().path("message").asText()).isNotBlank();
        }
        var xml = http.post("/broker/topics", "<topic/>".getBytes(), "application/xml");
        assertThat(xml.status()).isEqualTo(415);
        assertThat(xml.error()).isEqualTo("unsupported_media_type");
        assertThat(http.get("/broker/topics").json().path("topics")).isEmpty();
        try (var dirs = Files.list(dir.resolve("topics"))) {
            assertThat(dirs.toList()).isEmpty();
        }
        // curl -d sends application/x-www-form-urlencoded; a JSON body is accepted anyway.
        var curlish = http.post("/broker/topics", "{\"name\":\"t\",\"partitions\":1}".getBytes(),
            "application/x-www-form-urlencoded");
        assertThat(curlish.status()).isEqualTo(201);
    }

    @Test
    void aCreateThatCannotMakeItsDirectoriesLeavesNoTopicBehind() throws Exception {
        // A stray file where the topic's directory must go makes the replica fail to open.
        Files.writeString(dir.resolve("topics/x"), "in the way");
        var r = http.createTopic("x", 2);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.error()).isEqualTo("internal_error");
        assertThat(http.get("/broker/topics").json().path("topics")).isEmpty();
        assertThat(new String(Files.readAllBytes(dir.resolve("topics.state")), java.nio.charset.StandardCharsets.ISO_8859_1))
            .contains("\"topics\"").doesNotContain("\"x\"");
        assertThat(http.createTopic("x", 2).status()).isEqualTo(201);
    }

    @Test
    void wrongMethodUnknownRouteAndUnknownTopic() {
        var r = http.send(http.request("/broker/topics").PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("POST, GET");
        assertThat(r.error()).isEqualTo("method_not_allowed");
        assertThat(http.get("/broker/nothing").status()).isEqualTo(404);
        assertThat(http.get("/broker/nothing").error()).isEqualTo("not_found");
        assertThat(http.get("/broker/topics/missing").error()).isEqualTo("topic_not_found");
        assertThat(http.get("/broker/topics/bad%20name").error()).isEqualTo("invalid_topic_name");
        assertThat(http.get("/broker/topics?x=1").error()).isEqualTo("unknown_parameter");
    }
}
