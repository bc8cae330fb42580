package io.cairn.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonOutTest {

    private static JsonNode parse(byte[] json) throws Exception {
        return Json.MAPPER.readTree(json);
    }

    @Test
    void writesTheProduceAnswerShapeThatJacksonReadsBack() throws Exception {
        byte[] out = new JsonOut(8).beginObject()
            .field("ok", true).field("topic", "orders").field("partition", 3).field("offset", Long.MAX_VALUE)
            .field("duplicate", false)
            .beginObject("timing").field("parse_us", -1).field("server_us", 12).endObject()
            .endObject().toBytes();
        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("{\"ok\":true,\"topic\":\"orders\",\"partition\":3,"
            + "\"offset\":9223372036854775807,\"duplicate\":false,\"timing\":{\"parse_us\":-1,\"server_us\":12}}");
        JsonNode n = parse(out);
        assertThat(n.path("offset").asLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(n.path("timing").path("parse_us").asLong()).isEqualTo(-1);
    }

    @Test
    void writesTheBatchAnswerExactlyAsJacksonDid() throws Exception {
        // The NDJSON batch answer of API.md, built once with Jackson's tree (as it was before
        // this writer served it) and once with JsonOut: the bytes must be identical.
        var tree = Response.okBody().put("topic", "t").put("partition", 3).put("first_offset", 4L).put("count", 2);
        var arr = tree.putArray("results");
        arr.addObject().put("offset", 4L).put("duplicate", true);
        arr.addObject().put("offset", 5L).put("duplicate", false);
        tree.putObject("timing").put("parse_us", 1L).put("queue_us", -1L);
        byte[] jackson = Json.MAPPER.writeValueAsBytes(tree);
        byte[] out = new JsonOut(8).beginObject()
            .field("ok", true).field("topic", "t").field("partition", 3).field("first_offset", 4).field("count", 2)
            .beginArray("results")
            .beginObject().field("offset", 4).field("duplicate", true).endObject()
            .beginObject().field("offset", 5).field("duplicate", false).endObject()
            .endArray()
            .beginObject("timing").field("parse_us", 1).field("queue_us", -1).endObject()
            .endObject().toBytes();
        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo(new String(jackson, StandardCharsets.UTF_8));
        assertThat(new String(new JsonOut(8).beginObject().beginArray("results").endArray().endObject().toBytes(),
            StandardCharsets.UTF_8)).isEqualTo("{\"results\":[]}");
    }

    @Test
    void escapesEveryStringSoItRoundTripsExactly() throws Exception {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            all.append(c);
        }
        all.append("é€😀"); // 2-, 3- and 4-byte UTF-8
        String s = all.toString();
        byte[] out = new JsonOut(4).beginObject().field("k\"\\\n", s).field("nothing", (String) null).endObject().toBytes();
        JsonNode n = parse(out);
        assertThat(n.path("k\"\\\n").textValue()).isEqualTo(s);
        assertThat(n.get("nothing").isNull()).isTrue();
    }

    @Test
    void aLoneSurrogateIsEscapedNotReplaced() throws Exception {
        String lone = "a\ud800b";
        byte[] out = new JsonOut(16).beginObject().field("v", lone).endObject().toBytes();
        assertThat(new String(out, StandardCharsets.US_ASCII)).isEqualTo("{\"v\":\"a\\ud800b\"}");
        assertThat(parse(out).path("v").textValue()).isEqualTo(lone);
    }

    @Test
    void misuseIsAnErrorNotBrokenJson() {
        assertThatThrownBy(() -> new JsonOut(16).beginObject().toBytes()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonOut(16).field("a", 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonOut(16).endObject()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonOut(16).beginObject().beginArray("a").field("b", 1))
            .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonOut(16).beginObject().beginArray("a").endObject())
            .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonOut(16).beginObject().endArray()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonOut(16).beginObject().beginArray("a").toBytes())
            .isInstanceOf(IllegalStateException.class);
    }
}
