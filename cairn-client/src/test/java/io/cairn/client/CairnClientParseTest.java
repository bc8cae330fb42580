package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the client sends and how it reads answers for consume, batch produce and commit. */
class CairnClientParseTest {
    private ScriptedServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private CairnClient client() {
        return new CairnClient(CairnClientConfig.builder().node(server.url()).requestTimeout(Duration.ofSeconds(5)).build(), d -> { });
    }

    @Test
    void consumeDecodesTextAndBase64ValuesAndSendsLongPoll() throws Exception {
        server = new ScriptedServer().then(ScriptedServer.json(200, """
                {"ok":true,"messages":[
                  {"offset":5,"partition":2,"timestamp":1700,"key":"k","value":"hello"},
                  {"offset":6,"partition":2,"timestamp":1701,"value_b64":"AP8="}],
                 "count":2,"next_offset":7,"committed_offset":4,"high_watermark":9,"log_start":0}"""));

        ConsumeResult r = client().consume("t", "g", 2, ConsumeOptions.from(5).withLimit(2).withWaitMs(250));

        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().get(0).valueAsString()).isEqualTo("hello");
        assertThat(r.messages().get(0).keyAsString()).isEqualTo("k");
        assertThat(r.messages().get(1).value()).containsExactly(0, 255);
        assertThat(r.messages().get(1).key()).isNull();
        assertThat(r.nextOffset()).isEqualTo(7);
        assertThat(r.committedOffset()).isEqualTo(4);
        assertThat(r.highWatermark()).isEqualTo(9);
        ScriptedServer.Seen seen = server.seen.get(0);
        assertThat(seen.uri()).startsWith("/broker/consume/t/g/2?");
        assertThat(seen.query("offset")).isEqualTo("5");
        assertThat(seen.query("wait_ms")).isEqualTo("250");
        assertThat(seen.query("limit")).isEqualTo("2");
    }

    @Test
    void batchSendsEnvelopeLinesWithAKeyPerRecord() throws Exception {
        server = new ScriptedServer().then(ScriptedServer.json(200, """
                {"ok":true,"partition":1,"first_offset":10,"count":2,
                 "results":[{"offset":10,"duplicate":false},{"offset":11,"duplicate":true}]}"""));

        BatchResult r = client().produceBatch("t", List.of(BatchRecord.of("a", null, "id-a"),
                BatchRecord.ofBytes(new byte[] {1, 2}, "k", null)), 1, Acks.ALL, null);

        assertThat(r.results()).containsExactly(new BatchResult.Entry(10, false), new BatchResult.Entry(11, true));
        assertThat(r.idempotencyKeys().get(0)).isEqualTo("id-a");
        assertThat(r.idempotencyKeys().get(1)).isNotBlank();
        ScriptedServer.Seen seen = server.seen.get(0);
        assertThat(seen.query("envelope")).isEqualTo("1");
        assertThat(seen.query("acks")).isEqualTo("all");
        String[] lines = seen.body().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).contains("\"value\":\"a\"").contains("\"idempotency_key\":\"id-a\"");
        assertThat(lines[1]).contains("\"value_b64\":\"AQI=\"").contains("\"key\":\"k\"")
                .contains("\"idempotency_key\":\"" + r.idempotencyKeys().get(1) + "\"");
    }

    @Test
    void commitSendsJsonAndReadsAdvanced() throws Exception {
        server = new ScriptedServer().then(ScriptedServer.json(200, "{\"ok\":true,\"committed_offset\":42,\"advanced\":true}"));

        CommitResult r = client().commit("t", "g", 0, 42);

        assertThat(r.committedOffset()).isEqualTo(42);
        assertThat(r.advanced()).isTrue();
        assertThat(server.seen.get(0).body()).contains("\"offset\":42").contains("\"group\":\"g\"");
        assertThat(new String(server.seen.get(0).body().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).contains("\"topic\":\"t\"");
    }

    @Test
    void readyIsFalseOn503AndTrueOn200() throws Exception {
        server = new ScriptedServer().then(ScriptedServer.unavailable("1"))
                .then(ScriptedServer.json(200, "{\"ok\":true,\"ready\":true}"));
        CairnClient c = client();

        assertThat(c.ready()).isFalse();
        assertThat(c.ready()).isTrue();
    }
}
