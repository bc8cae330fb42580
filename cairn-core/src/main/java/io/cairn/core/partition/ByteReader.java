package io.cairn.core.partition;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads what {@link ByteWriter} wrote. Every length is checked against the bytes that remain
 * before anything is allocated, so a damaged payload fails with {@link MalformedPayloadException}
 * instead of an out-of-memory error or a silently short value.
 */
final class ByteReader {
    private final byte[] bytes;
    private final int end;
    private int pos;

    ByteReader(byte[] bytes) {
        this(bytes, 0, bytes.length);
    }

    ByteReader(byte[] bytes, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > bytes.length) {
            throw new IllegalArgumentException("range out of bounds");
        }
        this.bytes = bytes;
        this.pos = offset;
        this.end = offset + length;
    }

    int remaining() {
        return end - pos;
    }

    int position() {
        return pos;
    }

    private void need(int n, String what) {
        if (n < 0 || n > end - pos) {
            throw new MalformedPayloadException(
                    "truncated payload: " + what + " needs " + n + " bytes, " + (end - pos) + " remain");
        }
    }

    int readByte() {
        need(1, "byte");
        return bytes[pos++] & 0xFF;
    }

    int readInt() {
        need(4, "int");
        int v = ((bytes[pos] & 0xFF) << 24) | ((bytes[pos + 1] & 0xFF) << 16)
                | ((bytes[pos + 2] & 0xFF) << 8) | (bytes[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    long readLong() {
        long hi = readInt() & 0xFFFFFFFFL;
        long lo = readInt() & 0xFFFFFFFFL;
        return (hi << 32) | lo;
    }

    long readVarLong() {
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            int b = readByte();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new MalformedPayloadException("varint longer than 10 bytes");
    }

    long readZigZag() {
        long v = readVarLong();
        return (v >>> 1) ^ -(v & 1);
    }

    int readLength(String what) {
        long n = readZigZag();
        if (n < -1 || n > Integer.MAX_VALUE) {
            throw new MalformedPayloadException("bad length " + n + " for " + what);
        }
        return (int) n;
    }

    byte[] readNullableBytes(String what) {
        int n = readLength(what);
        if (n == -1) {
            return null;
        }
        need(n, what);
        byte[] out = Arrays.copyOfRange(bytes, pos, pos + n);
        pos += n;
        return out;
    }

    /** Skips length-prefixed bytes without copying them; returns the length (-1 for null). */
    int skipNullableBytes(String what) {
        int n = readLength(what);
        if (n > 0) {
            need(n, what);
            pos += n;
        }
        return n;
    }

    String readNullableString(String what) {
        byte[] b = readNullableBytes(what);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    String readString(String what) {
        String s = readNullableString(what);
        if (s == null) {
            throw new MalformedPayloadException(what + " must not be null");
        }
        return s;
    }

    void expectEnd(String what) {
        if (pos != end) {
            throw new MalformedPayloadException(what + " has " + (end - pos) + " trailing bytes");
        }
    }
}
