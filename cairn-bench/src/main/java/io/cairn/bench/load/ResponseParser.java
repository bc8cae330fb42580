package io.cairn.bench.load;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A lean, incremental HTTP/1.1 response parser for the load generator: it only needs each
 * response's status and where it ends, so it reads the status line and the framing headers
 * ({@code Content-Length}, {@code Transfer-Encoding: chunked}) and skips bodies in bulk without
 * allocating per response. Bytes may arrive split anywhere; state carries across calls.
 *
 * <p>Used instead of Netty's {@code HttpResponseDecoder}, which builds header maps and content
 * objects the harness would throw away: on 2 shared cores the client's CPU per request is part of
 * what it measures.
 */
final class ResponseParser {
    /** A status or header line longer than this is malformed input, not something to buffer. */
    static final int LINE_BYTES_MAX = 8192;

    /** Told about each complete response. */
    interface Listener {
        void onResponse(int status);
    }

    /** Input that is not a well-formed HTTP/1.1 response (the connection must be closed). */
    static final class MalformedResponseException extends RuntimeException {
        MalformedResponseException(String message) {
            super(message);
        }
    }

    private enum State { STATUS_LINE, HEADERS, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS }

    private final Listener listener;
    private final byte[] line = new byte[LINE_BYTES_MAX];
    private int lineLength;
    private State state = State.STATUS_LINE;
    private int status;
    private long contentLength;
    private boolean chunked;
    private long remaining;

    ResponseParser(Listener listener) {
        this.listener = listener;
    }

    /** Consumes all readable bytes of {@code in}. */
    void feed(ByteBuf in) {
        while (in.isReadable()) {
            switch (state) {
                case BODY, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    in.skipBytes(n);
                    remaining -= n;
                    if (remaining == 0) {
                        if (state == State.BODY) {
                            complete();
                        } else {
                            state = State.CHUNK_DATA_END;
                        }
                    }
                }
                default -> {
                    if (readLine(in)) {
                        onLine();
                    }
                }
            }
        }
    }

    /** Appends bytes up to and including LF to the line buffer; true when a full line is there. */
    private boolean readLine(ByteBuf in) {
        while (in.isReadable()) {
            byte b = in.readByte();
            if (b == '\n') {
                if (lineLength > 0 && line[lineLength - 1] == '\r') {
                    lineLength--;
                }
                return true;
            }
            if (lineLength == LINE_BYTES_MAX) {
                throw new MalformedResponseException("response line longer than " + LINE_BYTES_MAX + " bytes");
            }
            line[lineLength++] = b;
        }
        return false;
    }

    private void onLine() {
        int len = lineLength;
        lineLength = 0;
        switch (state) {
            case STATUS_LINE -> {
                if (len == 0) {
                    return; // Tolerate a stray CRLF between responses.
                }
                // "HTTP/1.1 200 OK": the code is the three digits after the first space.
                if (len < 12 || line[0] != 'H' || line[8] != ' ') {
                    throw new MalformedResponseException("bad status line: " + text(0, len));
                }
                status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
                if (status < 100 || status > 599) {
                    throw new MalformedResponseException("bad status code in: " + text(0, len));
                }
                contentLength = -1;
                chunked = false;
                state = State.HEADERS;
            }
            case HEADERS -> {
                if (len == 0) {
                    endOfHeaders();
                } else {
                    header(len);
                }
            }
            case CHUNK_SIZE -> {
                long size = chunkSize(len);
                if (size == 0) {
                    state = State.TRAILERS;
                } else {
                    remaining = size;
                    state = State.CHUNK_DATA;
                }
            }
            case CHUNK_DATA_END -> {
                if (len != 0) {
                    throw new MalformedResponseException("chunk data not followed by CRLF");
                }
                state = State.CHUNK_SIZE;
            }
            case TRAILERS -> {
                if (len == 0) {
                    complete();
                }
            }
            default -> throw new IllegalStateException("line in state " + state);
        }
    }

    private void header(int len) {
        int colon = -1;
        for (int i = 0; i < len; i++) {
            if (line[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            throw new MalformedResponseException("bad header line: " + text(0, len));
        }
        String name = text(0, colon).toLowerCase(Locale.ROOT);
        if (name.equals("content-length")) {
            try {
                contentLength = Long.parseLong(text(colon + 1, len).strip());
            } catch (NumberFormatException e) {
                throw new MalformedResponseException("bad Content-Length: " + text(0, len));
            }
            if (contentLength < 0) {
                throw new MalformedResponseException("negative Content-Length");
            }
        } else if (name.equals("transfer-encoding")) {
            chunked = text(colon + 1, len).toLowerCase(Locale.ROOT).contains("chunked");
        }
    }

    private void endOfHeaders() {
        if (status / 100 == 1) {
            state = State.STATUS_LINE; // An interim response (100 Continue) is not the answer.
            return;
        }
        if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (status == 204 || status == 304) {
            complete();
        } else if (contentLength < 0) {
            throw new MalformedResponseException("response " + status + " has neither Content-Length nor chunked encoding");
        } else if (contentLength == 0) {
            complete();
        } else {
            remaining = contentLength;
            state = State.BODY;
        }
    }

    private long chunkSize(int len) {
        long size = 0;
        int i = 0;
        for (; i < len && line[i] != ';' && line[i] != ' '; i++) {
            int d = Character.digit(line[i], 16);
            if (d < 0 || size > (Long.MAX_VALUE >> 4)) {
                throw new MalformedResponseException("bad chunk size: " + text(0, len));
            }
            size = size * 16 + d;
        }
        if (i == 0) {
            throw new MalformedResponseException("empty chunk size line");
        }
        return size;
    }

    private void complete() {
        state = State.STATUS_LINE;
        listener.onResponse(status);
    }

    private String text(int from, int to) {
        return new String(line, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
