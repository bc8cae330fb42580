package io.cairn.server.http;

import io.cairn.server.broker.PartitionHandle.StoredRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class RecordJsonTest {
    @Test
    void validUtf8IsTextAndInvalidFallsBackToBase64() {
        var n = Response.JSON.createObjectNode();
        RecordJson.write(n, new StoredRecord(7, 1000, null, "zürich".getBytes(StandardCharsets.UTF_8)), 2,
            RecordJson.Encoding.UTF8);
        assertThat(n.toString()).isEqualTo("{\"offset\":7,\"partition\":2,\"timestamp\":1000,\"key\":null,\"value\":\"zürich\"}");
        var m = Response.JSON.createObjectNode();
        RecordJson.write(m, new StoredRecord(8, 1000, new byte[] {(byte) 0xc3}, new byte[] {(byte) 0xff, 'a'}), 2,
            RecordJson.Encoding.UTF8);
        assertThat(m.get("value_b64").asText()).isEqualTo("/2E=");
        assertThat(m.get("key_b64").asText()).isEqualTo("ww==");
        assertThat(m.has("value")).isFalse();
    }

    @Test
    void b64AlwaysEncodes() {
        var n = Response.JSON.createObjectNode();
        RecordJson.write(n, new StoredRecord(0, 0, "k".getBytes(), "v".getBytes()), 0, RecordJson.Encoding.B64);
        assertThat(n.get("value_b64").asText()).isEqualTo("dg==");
        assertThat(n.get("key_b64").asText()).isEqualTo("aw==");
    }
}
