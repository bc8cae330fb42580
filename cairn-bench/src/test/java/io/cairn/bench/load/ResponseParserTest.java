package io.cairn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseParserTest {
    private final List<Integer> statuses = new ArrayList<>();
    private final ResponseParser parser = new ResponseParser(statuses::add);

    private void feedWhole(String s) {
        parser.feed(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
    }

    private void feedByteByByte(String s) {
        for (byte b : s.getBytes(StandardCharsets.ISO_8859_1)) {
            parser.feed(Unpooled.wrappedBuffer(new byte[] {b}));
        }
    }

    private static final String OK_JSON = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}";
    private static final String CHUNKED = "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: y\r\n\r\n";

    @Test
    void findsStatusAndEndOfContentLengthAndChunkedResponses() {
        feedWhole(OK_JSON + CHUNKED + OK_JSON);
        assertThat(statuses).containsExactly(200, 503, 200);
    }

    @Test
    void bytesMaySplitAnywhere() {
        feedByteByByte(OK_JSON + CHUNKED + OK_JSON);
        assertThat(statuses).containsExactly(200, 503, 200);
    }

    @Test
    void interimResponsesAreNotAnswersAndEmptyBodiesNeedNoLength() {
        feedWhole("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
                + "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://x/\r\nContent-Length: 0\r\n\r\n");
        assertThat(statuses).containsExactly(204, 307);
    }

    @Test
    void aResponseIsNotCompleteUntilItsWholeBodyArrived() {
        feedWhole("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
        assertThat(statuses).isEmpty();
        feedWhole("67890");
        assertThat(statuses).containsExactly(200);
    }

    @Test
    void malformedInputIsAnErrorNotAGuess() {
        assertThatThrownBy(() -> feedWhole("garbage\r\n")).isInstanceOf(ResponseParser.MalformedResponseException.class);
        ResponseParser p2 = new ResponseParser(statuses::add);
        assertThatThrownBy(() -> p2.feed(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\n\r\n", StandardCharsets.ISO_8859_1)))
                .isInstanceOf(ResponseParser.MalformedResponseException.class).hasMessageContaining("Content-Length");
        ResponseParser p3 = new ResponseParser(statuses::add);
        assertThatThrownBy(() -> p3.feed(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
                StandardCharsets.ISO_8859_1))).isInstanceOf(ResponseParser.MalformedResponseException.class);
        ResponseParser p4 = new ResponseParser(statuses::add);
        assertThatThrownBy(() -> p4.feed(Unpooled.wrappedBuffer(new byte[ResponseParser.LINE_BYTES_MAX + 1])))
                .isInstanceOf(ResponseParser.MalformedResponseException.class).hasMessageContaining("longer");
    }
}
