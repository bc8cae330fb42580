package io.cairn.server.http;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NdjsonParserTest {
    private final NdjsonParser parser = new NdjsonParser(16, 3, 8);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void stringsAreStoredUnquotedAndOtherValuesAsTheirOwnText() {
        var records = parser.parse(b("\"héllo\"\n{\"a\": 1.50}\r\n\n  42  \n"), false);
        assertThat(records).extracting(r -> s(r.value())).containsExactly("héllo", "{\"a\": 1.50}", "42");
        assertThat(records).allSatisfy(r -> assertThat(r.key()).isNull());
    }

    @Test
    void malformedLineIsRejectedWithItsLineNumber() {
        assertThatThrownBy(() -> parser.parse(b("1\n\n{\"a\":\n3"), false))
            .isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status.code()).isEqualTo(400);
                assertThat(e.code).isEqualTo("invalid_ndjson");
                assertThat(e.getMessage()).startsWith("line 3:");
            });
    }

    @Test
    void twoValuesOnOneLineAreMalformed() {
        assertThatThrownBy(() -> parser.parse(b("1 2"), false))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).startsWith("line 1:"));
    }

    @Test
    void envelopeCarriesKeysAndBase64() {
        String v = Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, 0});
        var records = parser.parse(b("{\"value\":\"x\",\"key\":\"k\",\"idempotency_key\":\"id-1\"}\n"
            + "{\"value_b64\":\"" + v + "\",\"key_b64\":\"AQ==\"}\n{\"value\":{\"n\":1}}"), true);
        assertThat(s(records.get(0).value())).isEqualTo("x");
        assertThat(s(records.get(0).key())).isEqualTo("k");
        assertThat(records.get(0).idempotencyKey()).isEqualTo("id-1");
        assertThat(records.get(1).value()).containsExactly(0xff, 0);
        assertThat(records.get(1).key()).containsExactly(1);
        assertThat(s(records.get(2).value())).isEqualTo("{\"n\":1}");
    }

    @Test
    void envelopeRejectsUnknownFieldsAmbiguousValuesAndLongKeys() {
        assertThatThrownBy(() -> parser.parse(b("{\"value\":1,\"vlaue\":2}"), true)).hasMessageContaining("unknown field");
        assertThatThrownBy(() -> parser.parse(b("{\"value\":1,\"value_b64\":\"AA==\"}"), true)).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> parser.parse(b("{\"key\":\"k\"}"), true)).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> parser.parse(b("1"), true)).hasMessageContaining("must be an object");
        assertThatThrownBy(() -> parser.parse(b("{\"value\":1}\n{\"value\":1,\"idempotency_key\":\"123456789\"}"), true))
            .hasMessageStartingWith("line 2:").hasMessageContaining("idempotency_key");
        assertThatThrownBy(() -> parser.parse(b("{\"value_b64\":\"!!\"}"), true)).hasMessageContaining("base64");
    }

    @Test
    void limitsAreEnforcedNeverTruncated() {
        assertThatThrownBy(() -> parser.parse(b("1\n\"12345678901234567\""), false))
            .isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status.code()).isEqualTo(413);
                assertThat(e.getMessage()).startsWith("line 2:");
            });
        assertThatThrownBy(() -> parser.parse(b("1\n2\n3\n4"), false))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code).isEqualTo("batch_too_large"));
    }

    @Test
    void emptyBodyIsAnError() {
        assertThatThrownBy(() -> parser.parse(b("\n  \n"), false))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code).isEqualTo("empty_batch"));
    }
}
