package io.cairn.server.http;

import java.util.Arrays;

/**
 * A small hand-written JSON object writer for the fixed-shape answers on the hot path (produce,
 * the no-op baseline): building a Jackson tree and serialising it cost about 8% of the node's CPU
 * per produce. It writes UTF-8 bytes directly; strings are escaped as RFC 8259 requires (quote,
 * backslash and control characters), and a lone surrogate, which has no UTF-8 form, is written
 * as a {@code \\uXXXX} escape rather than replaced, so nothing is silently altered.
 *
 * <p>Shape is the caller's job: call {@link #beginObject()}, then fields, then
 * {@link #endObject()}; an array field is {@link #beginArray(String)}, one
 * {@link #beginObject()} ... {@link #endObject()} per element, then {@link #endArray()}.
 * Arbitrary answers (records of any shape) keep using Jackson.
 */
final class JsonOut {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private byte[] buf;
    private int len;
    /** Per nesting level: whether the next field needs a comma before it. Bounded by {@link #DEPTH_MAX}. */
    private final boolean[] needsComma = new boolean[DEPTH_MAX];
    /** Per nesting level: true for an array (elements, no field names), false for an object. */
    private final boolean[] isArray = new boolean[DEPTH_MAX];
    private int depth = -1;
    /** The fixed shapes written with this class nest at most this deep. */
    static final int DEPTH_MAX = 8;

    JsonOut(int initialBytes) {
        buf = new byte[Math.max(16, initialBytes)];
    }

    /** The outermost object, or the next element of the array being written. */
    JsonOut beginObject() {
        if (depth >= 0 && !isArray[depth]) {
            throw new IllegalStateException("an object needs a field name here; use beginObject(name)");
        }
        if (depth >= 0) {
            element();
        }
        openObject();
        return this;
    }

    /** An array as the value of field {@code name}; its elements are objects ({@link #beginObject()}). */
    JsonOut beginArray(String name) {
        name(name);
        open((byte) '[', true);
        return this;
    }

    JsonOut endArray() {
        if (depth < 0 || !isArray[depth]) {
            throw new IllegalStateException("no open array");
        }
        put((byte) ']');
        depth--;
        return this;
    }

    /** A nested object as the value of field {@code name}. */
    JsonOut beginObject(String name) {
        name(name);
        openObject();
        return this;
    }

    private void openObject() {
        open((byte) '{', false);
    }

    private void open(byte bracket, boolean array) {
        if (depth + 1 >= DEPTH_MAX) {
            throw new IllegalStateException("JSON nested deeper than " + DEPTH_MAX);
        }
        depth++;
        needsComma[depth] = false;
        isArray[depth] = array;
        put(bracket);
    }

    /** The separator before an array element. */
    private void element() {
        if (needsComma[depth]) {
            put((byte) ',');
        }
        needsComma[depth] = true;
    }

    JsonOut endObject() {
        if (depth < 0 || isArray[depth]) {
            throw new IllegalStateException("no open object");
        }
        put((byte) '}');
        depth--;
        return this;
    }

    JsonOut field(String name, String value) {
        name(name);
        if (value == null) {
            ascii("null");
        } else {
            string(value);
        }
        return this;
    }

    JsonOut field(String name, long value) {
        name(name);
        ascii(Long.toString(value));
        return this;
    }

    JsonOut field(String name, boolean value) {
        name(name);
        ascii(value ? "true" : "false");
        return this;
    }

    /** The JSON written so far; call after the outermost {@link #endObject()}. */
    byte[] toBytes() {
        if (depth != -1) {
            throw new IllegalStateException("the JSON object is not closed");
        }
        return Arrays.copyOf(buf, len);
    }

    private void name(String name) {
        if (depth < 0 || isArray[depth]) {
            throw new IllegalStateException("a field needs an open object");
        }
        if (needsComma[depth]) {
            put((byte) ',');
        }
        needsComma[depth] = true;
        string(name);
        put((byte) ':');
    }

    private void string(String s) {
        put((byte) '"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == '"' || c == '\\') {
                    put((byte) '\\');
                    put((byte) c);
                } else if (c < 0x20) {
                    switch (c) {
                        case '\n' -> ascii("\\n");
                        case '\r' -> ascii("\\r");
                        case '\t' -> ascii("\\t");
                        case '\b' -> ascii("\\b");
                        case '\f' -> ascii("\\f");
                        default -> unicodeEscape(c);
                    }
                } else {
                    put((byte) c);
                }
            } else if (c < 0x800) {
                put((byte) (0xc0 | (c >> 6)));
                put((byte) (0x80 | (c & 0x3f)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                put((byte) (0xf0 | (cp >> 18)));
                put((byte) (0x80 | ((cp >> 12) & 0x3f)));
                put((byte) (0x80 | ((cp >> 6) & 0x3f)));
                put((byte) (0x80 | (cp & 0x3f)));
            } else if (Character.isSurrogate(c)) {
                unicodeEscape(c); // A lone surrogate has no UTF-8 encoding; the escape keeps it.
            } else {
                put((byte) (0xe0 | (c >> 12)));
                put((byte) (0x80 | ((c >> 6) & 0x3f)));
                put((byte) (0x80 | (c & 0x3f)));
            }
        }
        put((byte) '"');
    }

    private void unicodeEscape(char c) {
        ascii("\\u");
        put(HEX[(c >> 12) & 0xf]);
        put(HEX[(c >> 8) & 0xf]);
        put(HEX[(c >> 4) & 0xf]);
        put(HEX[c & 0xf]);
    }

    private void ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            put((byte) s.charAt(i));
        }
    }

    private void put(byte b) {
        if (len == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[len++] = b;
    }
}
