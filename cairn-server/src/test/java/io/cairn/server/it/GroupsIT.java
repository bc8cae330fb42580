package io.cairn.server.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class GroupsIT {
    @TempDir
    Path dir;
    TestNode node;
    Http http;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir);
        http = node.http();
        http.createTopic("t", 2);
        for (int i = 0; i < 10; i++) {
            http.produce("t", "partition=0", "r" + i);
        }
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private Http.Reply commit(String group, int partition, long offset) {
        return http.postJson("/broker/commit", "{\"topic\":\"t\",\"group\":\"" + group + "\",\"partition\":" + partition
            + ",\"offset\":" + offset + "}");
    }

    @Test
    void commitsAreMonotonicAndConsumeResumesAfterThem() throws Exception {
        var c = commit("billing", 0, 3);
        assertThat(c.status()).as(c.toString()).isEqualTo(200);
        assertThat(c.json().path("committed_offset").asLong()).isEqualTo(3);
        assertThat(c.json().path("advanced").asBoolean()).isTrue();
        var lower = commit("billing", 0, 1).json();
        assertThat(lower.path("advanced").asBoolean()).isFalse();
        assertThat(lower.path("committed_offset").asLong()).isEqualTo(3);

        var page = http.consume("t", "billing", 0, "limit=2").json();
        assertThat(page.path("messages").findValuesAsText("value")).containsExactly("r4", "r5");
        assertThat(page.path("committed_offset").asLong()).isEqualTo(3);

        // Resume after a restart: the committed offset is durable.
        node.restart();
        http = node.http();
        assertThat(http.consume("t", "billing", 0, "limit=1").json().path("messages").get(0).path("value").asText())
            .isEqualTo("r4");
    }

    @Test
    void groupShowsCommittedOffsetAndLag() {
        commit("billing", 0, 6);
        var g = http.get("/broker/groups/billing");
        assertThat(g.status()).isEqualTo(200);
        var p = g.json().path("partitions");
        assertThat(p).hasSize(1);
        assertThat(p.get(0).path("topic").asText()).isEqualTo("t");
        assertThat(p.get(0).path("committed_offset").asLong()).isEqualTo(6);
        assertThat(p.get(0).path("high_watermark").asLong()).isEqualTo(10);
        assertThat(p.get(0).path("lag").asLong()).isEqualTo(3);
        assertThat(g.json().path("total_lag").asLong()).isEqualTo(3);
        assertThat(http.get("/broker/groups/nobody").status()).isEqualTo(404);
        assertThat(http.get("/broker/groups/nobody").error()).isEqualTo("group_not_found");
        assertThat(http.get("/broker/groups/bad%20name").status()).isEqualTo(400);
    }

    @Test
    void invalidCommitsAreRejectedAndChangeNothing() {
        commit("g", 0, 2);
        String[][] cases = {
            {"{\"topic\":\"t\",\"group\":\"g\",\"partition\":0,\"offset\":10}", "400", "offset_out_of_range"},
            {"{\"topic\":\"t\",\"group\":\"g\",\"partition\":1,\"offset\":0}", "400", "offset_out_of_range"},
            {"{\"topic\":\"t\",\"group\":\"g\",\"partition\":0,\"offset\":-1}", "400", "invalid_field"},
            {"{\"topic\":\"t\",\"group\":\"g\",\"partition\":0}", "400", "missing_field"},
            {"{\"topic\":\"t\",\"group\":\"g g\",\"partition\":0,\"offset\":1}", "400", "invalid_group_name"},
            {"{\"topic\":\"t\",\"group\":\"g\",\"partition\":2,\"offset\":1}", "404", "partition_not_found"},
            {"{\"topic\":\"x\",\"group\":\"g\",\"partition\":0,\"offset\":1}", "404", "topic_not_found"},
            {"{\"topic\":\"t\",\"group\":\"g\",\"partition\":0,\"offset\":5,\"extra\":1}", "400", "unknown_field"},
            {"not json", "400", "invalid_json"},
        };
        for (String[] c : cases) {
            var r = http.postJson("/broker/commit", c[0]);
            assertThat(r.status()).as(c[0] + " -> " + r).isEqualTo(Integer.parseInt(c[1]));
            assertThat(r.error()).as(c[0]).isEqualTo(c[2]);
        }
        var g = http.get("/broker/groups/g").json().path("partitions");
        assertThat(g).hasSize(1);
        assertThat(g.get(0).path("committed_offset").asLong()).isEqualTo(2);
    }
}
