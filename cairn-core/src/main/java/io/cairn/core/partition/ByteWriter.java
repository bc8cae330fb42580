package io.cairn.core.partition;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable big-endian byte sink for the partition codecs. {@code java.io} streams are off
 * limits in the core, and a hand-rolled writer also keeps varint encoding in one place.
 */
final class ByteWriter {
    private byte[] bytes;
    private int size;

    ByteWriter(int initialCapacity) {
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    /** The backing array; valid up to {@link #size()}. Callers must not keep it. */
    byte[] array() {
        return bytes;
    }

    private void ensure(int extra) {
        int needed = size + extra;
        if (needed < 0) {
            throw new IllegalArgumentException("encoded payload exceeds 2 GiB");
        }
        if (needed > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(needed, bytes.length * 2));
        }
    }

    void writeByte(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    void writeInt(int v) {
        ensure(4);
        bytes[size++] = (byte) (v >>> 24);
        bytes[size++] = (byte) (v >>> 16);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
    }

    void writeLong(long v) {
        writeInt((int) (v >>> 32));
        writeInt((int) v);
    }

    /** Unsigned LEB128; negative values take ten bytes, so callers zigzag signed ones. */
    void writeVarLong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            bytes[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        bytes[size++] = (byte) v;
    }

    void writeZigZag(long v) {
        writeVarLong((v << 1) ^ (v >> 63));
    }

    void writeBytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
    }

    /** Length-prefixed bytes; {@code null} is length -1 (zigzag), distinct from empty. */
    void writeNullableBytes(byte[] b) {
        if (b == null) {
            writeZigZag(-1);
            return;
        }
        writeZigZag(b.length);
        writeBytes(b);
    }

    void writeNullableString(String s) {
        writeNullableBytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    void writeString(String s) {
        writeNullableBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
