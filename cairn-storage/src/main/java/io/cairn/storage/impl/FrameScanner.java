package io.cairn.storage.impl;

import io.cairn.storage.LogEntry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads frames one after another from a file region with positional reads (so concurrent
 * scanners never share a file position), verifying each frame's length, version and CRC.
 *
 * <p>Each refill allocates a fresh buffer because decoded entries are views of it. The buffer
 * holds at most {@code max(bufferBytes, one frame)} bytes, so memory per scanner is bounded by
 * {@code bufferBytes + entryBytesMax}.
 */
public final class FrameScanner {
    public enum Kind { FRAME, END, TORN, BAD }

    private final FileChannel channel;
    private final long limit;
    private final int bufferBytes;
    private final int entryBytesMax;
    private ByteBuffer buf = ByteBuffer.allocate(0);
    private long bufStart;
    private long pos;
    private LogEntry entry;
    private long framePosition;
    private int frameBytes;
    private String problem;

    public FrameScanner(FileChannel channel, long start, long limit, int bufferBytes, int entryBytesMax) {
        this.channel = channel;
        this.pos = start;
        this.bufStart = start;
        this.limit = limit;
        this.bufferBytes = Math.max(bufferBytes, FrameCodec.HEADER_BYTES);
        this.entryBytesMax = entryBytesMax;
    }

    /** Position of the next frame to read; after TORN or BAD, the position of the frame that failed. */
    public long position() {
        return pos;
    }

    public LogEntry entry() {
        return entry;
    }

    public long framePosition() {
        return framePosition;
    }

    public int frameBytes() {
        return frameBytes;
    }

    /** Why the last {@link Kind#BAD} or {@link Kind#TORN} was returned. */
    public String problem() {
        return problem;
    }

    /**
     * Reads the next frame. FRAME: a whole frame with a valid CRC. END: exactly at the limit.
     * TORN: the remaining bytes are too few for the frame the length field announces. BAD: a
     * length out of range, a wrong version or a CRC mismatch. On TORN/BAD the position stays put.
     */
    public Kind next() throws IOException {
        entry = null;
        if (pos == limit) {
            return Kind.END;
        }
        if (limit - pos < 4) {
            problem = String.format("%d bytes left, too few for a length field", limit - pos);
            return Kind.TORN;
        }
        if (!ensure(Math.min(limit - pos, FrameCodec.HEADER_BYTES))) {
            problem = "file ends before the expected limit " + limit;
            return Kind.TORN;
        }
        int at = (int) (pos - bufStart);
        int length = buf.getInt(at);
        if (length < FrameCodec.HEADER_BYTES - 4 || length > entryBytesMax - 4) {
            problem = "length field " + length + " out of range";
            return Kind.BAD;
        }
        int size = length + 4;
        if (pos + size > limit) {
            problem = String.format("frame of %d bytes runs past the end (%d bytes left)", size, limit - pos);
            return Kind.TORN;
        }
        if (!ensure(size)) {
            problem = "file ends before the expected limit " + limit;
            return Kind.TORN;
        }
        at = (int) (pos - bufStart);
        if (FrameCodec.versionAt(buf, at) != FrameCodec.VERSION) {
            problem = "unknown frame version " + FrameCodec.versionAt(buf, at);
            return Kind.BAD;
        }
        if (!FrameCodec.crcMatches(buf, at, size)) {
            problem = "CRC32C mismatch";
            return Kind.BAD;
        }
        entry = FrameCodec.decode(buf, at, size);
        framePosition = pos;
        frameBytes = size;
        pos += size;
        return Kind.FRAME;
    }

    /** Makes the buffer hold bytes [pos, pos + n); false if the file is shorter than that. */
    private boolean ensure(long n) throws IOException {
        if (pos >= bufStart && pos + n <= bufStart + buf.limit()) {
            return true;
        }
        int want = (int) Math.min(limit - pos, Math.max(n, bufferBytes));
        ByteBuffer fresh = ByteBuffer.allocate(want);
        long at = pos;
        while (fresh.hasRemaining()) {
            int r = channel.read(fresh, at);
            if (r < 0) {
                break;
            }
            at += r;
        }
        fresh.flip();
        buf = fresh;
        bufStart = pos;
        return fresh.limit() >= n;
    }
}
