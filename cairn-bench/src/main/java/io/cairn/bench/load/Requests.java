package io.cairn.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Pre-encoded HTTP/1.1 requests for the workloads. Requests whose bytes never change are encoded
 * once into a direct buffer and sent as cheap duplicates, so the client spends its CPU on I/O,
 * not on formatting: on 2 shared cores the load generator must not be the bottleneck.
 */
public final class Requests {
    /** Values are drawn from a fixed seed so two runs send identical bytes. */
    private static final long VALUE_SEED = 0x5eedL;

    private Requests() {}

    /** Encodes a full request; {@code body} may be empty. */
    public static byte[] encode(String method, InetSocketAddress target, String pathAndQuery,
                                String contentType, byte[] body) {
        StringBuilder head = new StringBuilder(256)
                .append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader(target)).append("\r\n");
        if (body.length > 0 || method.equals("POST")) {
            head.append("Content-Type: ").append(contentType).append("\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /** An encoder that sends the same bytes every time. */
    public static RequestEncoder fixed(byte[] request) {
        ByteBuf shared = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(request.length).writeBytes(request));
        return sequence -> shared.duplicate();
    }

    /** Printable ASCII of the given length, so the same value is valid raw bytes, UTF-8 and JSON text. */
    public static byte[] value(int bytes, long salt) {
        Random r = new Random(VALUE_SEED ^ salt);
        byte[] v = new byte[bytes];
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (int i = 0; i < bytes; i++) {
            v[i] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
        }
        return v;
    }

    /**
     * An NDJSON body of {@code records} lines, each a JSON string whose stored (unquoted) value is
     * exactly {@code valueBytes} long.
     */
    public static byte[] ndjson(int records, int valueBytes) {
        int line = valueBytes + 3; // quotes and newline
        byte[] body = new byte[records * line];
        for (int i = 0; i < records; i++) {
            byte[] v = value(valueBytes, i % 64);
            int p = i * line;
            body[p] = '"';
            System.arraycopy(v, 0, body, p + 1, valueBytes);
            body[p + 1 + valueBytes] = '"';
            body[p + 2 + valueBytes] = '\n';
        }
        return body;
    }

    public static String hostHeader(InetSocketAddress target) {
        return target.getHostString() + ":" + target.getPort();
    }
}
