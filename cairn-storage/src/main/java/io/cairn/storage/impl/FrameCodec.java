package io.cairn.storage.impl;

import io.cairn.storage.LogEntry;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk frame of one log entry. All integers are big-endian.
 *
 * <pre>
 *  0  int   length           bytes after this field (frame size - 4)
 *  4  int   crc              CRC32C of bytes [8, frame end)
 *  8  byte  version          {@link #VERSION}
 *  9  byte  type             opaque to storage
 * 10  long  term
 * 18  long  raftIndex
 * 26  long  baseOffset
 * 34  int   recordCount
 * 38  long  firstTimestampMs
 * 46  long  maxTimestampMs
 * 54  ...   payload          opaque to storage
 * </pre>
 */
public final class FrameCodec {
    private FrameCodec() {}

    public static final byte VERSION = 1;
    public static final int HEADER_BYTES = 54;
    static final int CRC_AT = 4;
    static final int VERSION_AT = 8;
    static final int TYPE_AT = 9;
    static final int TERM_AT = 10;
    static final int INDEX_AT = 18;
    static final int BASE_AT = 26;
    static final int COUNT_AT = 34;
    static final int FIRST_TS_AT = 38;
    static final int MAX_TS_AT = 46;

    public static int frameBytes(LogEntry e) {
        return HEADER_BYTES + e.payloadBytes();
    }

    /** Encodes {@code e} into a fresh buffer ready to be written (position 0, limit = frame size). */
    public static ByteBuffer encode(LogEntry e) {
        int size = frameBytes(e);
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(size - 4);
        b.putInt(0);
        b.put(VERSION);
        b.put(e.type());
        b.putLong(e.term());
        b.putLong(e.raftIndex());
        b.putLong(e.baseOffset());
        b.putInt(e.recordCount());
        b.putLong(e.firstTimestampMs());
        b.putLong(e.maxTimestampMs());
        b.put(e.payload().duplicate());
        b.putInt(CRC_AT, crc(b, VERSION_AT, size));
        b.flip();
        return b;
    }

    public static int crc(ByteBuffer b, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(b.duplicate().limit(to).position(from));
        return (int) c.getValue();
    }

    /** True when the frame of {@code size} bytes at {@code at} has the right version and CRC. */
    public static boolean crcMatches(ByteBuffer b, int at, int size) {
        return b.getInt(at + CRC_AT) == crc(b, at + VERSION_AT, at + size);
    }

    /** Decodes the (already verified) frame at {@code at}; the payload is a read-only view of {@code b}. */
    public static LogEntry decode(ByteBuffer b, int at, int size) {
        ByteBuffer payload = b.duplicate().limit(at + size).position(at + HEADER_BYTES).slice();
        return new LogEntry(
                b.get(at + TYPE_AT),
                b.getLong(at + TERM_AT),
                b.getLong(at + INDEX_AT),
                b.getLong(at + BASE_AT),
                b.getInt(at + COUNT_AT),
                b.getLong(at + FIRST_TS_AT),
                b.getLong(at + MAX_TS_AT),
                payload);
    }

    public static long raftIndexAt(ByteBuffer b, int at) {
        return b.getLong(at + INDEX_AT);
    }

    public static long termAt(ByteBuffer b, int at) {
        return b.getLong(at + TERM_AT);
    }

    public static long baseOffsetAt(ByteBuffer b, int at) {
        return b.getLong(at + BASE_AT);
    }

    public static byte versionAt(ByteBuffer b, int at) {
        return b.get(at + VERSION_AT);
    }
}
