package io.cairn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestsTest {
    @Test
    void encodesAKeepAliveRequestWithExactContentLength() {
        byte[] body = Requests.value(64, 1);
        String req = new String(Requests.encode("POST", new InetSocketAddress("127.0.0.1", 1109),
                "/broker/topics/bench/produce?partition=0", "application/octet-stream", body), StandardCharsets.US_ASCII);
        assertThat(req).startsWith("POST /broker/topics/bench/produce?partition=0 HTTP/1.1\r\nHost: 127.0.0.1:1109\r\n");
        assertThat(req).contains("Content-Length: 64\r\n");
        assertThat(req).doesNotContain("Connection: close");
        assertThat(req.substring(req.indexOf("\r\n\r\n") + 4)).hasSize(64);
    }

    @Test
    void ndjsonLinesAreJsonStringsWhoseStoredValueHasTheRequestedSize() {
        String body = new String(Requests.ndjson(3, 64), StandardCharsets.US_ASCII);
        String[] lines = body.split("\n");
        assertThat(lines).hasSize(3);
        for (String l : lines) {
            assertThat(l).hasSize(66).startsWith("\"").endsWith("\"");
            assertThat(l.substring(1, 65)).matches("[A-Za-z0-9]{64}");
        }
    }

    @Test
    void fixedEncoderHandsOutIndependentCopiesOfTheSameBytes() {
        RequestEncoder e = Requests.fixed("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        var a = e.encode(0);
        a.skipBytes(a.readableBytes()); // as if written
        a.release();
        var b = e.encode(1);
        assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("GET / HTTP/1.1\r\n\r\n");
    }
}
