package io.cairn.server.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP/1.1 details over a raw socket: pipelining order, 100-continue, malformed requests. */
class HttpProtocolIT {
    @TempDir
    Path dir;
    TestNode node;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir, b -> {
            b.maxRecordBytes(1024);
            b.maxBodyBytes(2048);
        });
        node.http().createTopic("t", 1);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private Socket connect() throws IOException {
        var s = new Socket(InetAddress.getLoopbackAddress(), node.node().httpPort());
        s.setSoTimeout(30_000);
        return s;
    }

    /** Reads one response (status line, headers, Content-Length body); null at end of stream. */
    private static String readResponse(InputStream in) throws IOException {
        var head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return head.size() == 0 ? null : head.toString(StandardCharsets.UTF_8);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String h = head.toString(StandardCharsets.UTF_8);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return h + new String(body, StandardCharsets.UTF_8);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (var s = connect()) {
            var sb = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                String body = "v" + i;
                sb.append("POST /broker/topics/t/produce?partition=0 HTTP/1.1\r\nHost: x\r\nContent-Length: ")
                    .append(body.length()).append("\r\n\r\n").append(body);
                sb.append("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            s.getOutputStream().write(sb.toString().getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 5; i++) {
                assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200").contains("\"offset\":" + i);
                assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200").endsWith("{\"ok\":true}");
            }
        }
    }

    /**
     * A client that keeps a window of requests in flight on one connection: the node stops reading
     * while pipelined requests queue and starts again once they are answered, so every answer
     * comes, in order, and the connection then serves a plain request as usual.
     */
    @Test
    void slidingWindowOfPipelinedRequestsIsAnsweredInOrderAndTheConnectionStaysUsable() throws Exception {
        int total = 120;
        int window = 8; // below RequestHandler.PIPELINED_REQUESTS_MAX, so the node never has cause to close
        try (var s = connect()) {
            var out = s.getOutputStream();
            var in = s.getInputStream();
            int sent = 0;
            for (int answered = 0; answered < total; answered++) {
                while (sent < total && sent - answered < window) {
                    out.write(pipelinedRequest(sent));
                    out.flush();
                    sent++;
                }
                String r = readResponse(in);
                assertThat(r).as("answer %d", answered).startsWith("HTTP/1.1 200");
                if (answered % 2 == 0) {
                    assertThat(r).contains("\"offset\":" + (answered / 2) + ",");
                } else {
                    assertThat(r).endsWith("{\"ok\":true}");
                }
            }
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("{\"ok\":true}");
        }
        assertThat(node.http().get("/broker/topics/t").json().path("partitions").get(0).path("high_watermark").asLong())
            .isEqualTo(total / 2);
    }

    /** Even positions produce record "r{i/2}", odd ones ask for /health. */
    private static byte[] pipelinedRequest(int i) {
        String req;
        if (i % 2 == 0) {
            String body = "r" + (i / 2);
            req = "POST /broker/topics/t/produce?partition=0 HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body;
        } else {
            req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        }
        return req.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void expectContinueOverTheLimitGetsAJson413() throws Exception {
        try (var s = connect()) {
            s.getOutputStream().write(("POST /broker/topics/t/produce HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String r = readResponse(s.getInputStream());
            assertThat(r).startsWith("HTTP/1.1 413").contains("\"error\":\"body_too_large\"");
        }
        assertThat(node.http().get("/broker/topics/t").json().path("partitions").get(0).path("high_watermark").asLong())
            .isZero();
    }

    @Test
    void malformedAndOversizedRequestLinesGetJsonErrors() throws Exception {
        try (var s = connect()) {
            s.getOutputStream().write(("GET /health?" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            String r = readResponse(s.getInputStream());
            assertThat(r).startsWith("HTTP/1.1 414").contains("\"error\":\"uri_too_long\"");
            // The decoder discards the rest of a broken connection, so the node closes it.
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        try (var s = connect()) {
            s.getOutputStream().write("GET /broker/topics/t?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 400").contains("\"ok\":false");
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (var s = connect()) {
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }
}
