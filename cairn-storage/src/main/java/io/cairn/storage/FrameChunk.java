package io.cairn.storage;

import io.cairn.storage.impl.FrameCodec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole storage frames back to back, exactly as a {@link SegmentLog} holds them on disk, with the
 * entry each one decodes to. Replication ships these bytes as they are: the leader reads a chunk
 * of its segment file ({@link SegmentLog#readFramesFromIndex}) and the follower appends the same
 * bytes ({@link SegmentLog#appendFrames}) without decoding records or re-encoding frames, so both
 * logs end byte-identical by construction.
 *
 * <p>Every frame in a chunk has been checked (length, version, CRC32C): by the read that produced
 * it, or by {@link #parse}. The entries' payloads are read-only views of {@link #bytes()}.
 *
 * @param bytes   the frames, position 0, limit = total length; not to be modified
 * @param entries one decoded entry per frame, in order
 * @param starts  byte position of each frame in {@code bytes}; one more element than entries,
 *                the last being the total length
 */
public record FrameChunk(ByteBuffer bytes, List<LogEntry> entries, int[] starts) {
    public static final FrameChunk EMPTY = new FrameChunk(ByteBuffer.allocate(0), List.of(), new int[] {0});

    public FrameChunk {
        entries = List.copyOf(entries);
        if (starts.length != entries.size() + 1 || starts[entries.size()] != bytes.remaining()) {
            throw new IllegalArgumentException("frame starts do not match " + entries.size() + " entries in "
                    + bytes.remaining() + " bytes");
        }
    }

    /**
     * Checks and decodes frames received from elsewhere (a peer). Throws
     * {@link IllegalArgumentException} naming the first bad frame: a length out of range, a frame
     * running past the end, an unknown version, a CRC mismatch, or Raft indexes that are not
     * consecutive. Nothing is copied; the entries are views of {@code bytes}.
     */
    public static FrameChunk parse(ByteBuffer bytes, int entryBytesMax) {
        ByteBuffer b = bytes.slice();
        List<LogEntry> entries = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        int at = 0;
        while (at < b.limit()) {
            if (b.limit() - at < FrameCodec.HEADER_BYTES) {
                throw new IllegalArgumentException("frame " + entries.size() + " at byte " + at + ": only "
                        + (b.limit() - at) + " bytes left, too few for a frame header");
            }
            int length = b.getInt(at);
            if (length < FrameCodec.HEADER_BYTES - 4 || length > entryBytesMax - 4 || length > b.limit() - at - 4) {
                throw new IllegalArgumentException("frame " + entries.size() + " at byte " + at + ": length field "
                        + length + " out of range (" + (b.limit() - at - 4) + " bytes left)");
            }
            int size = length + 4;
            if (FrameCodec.versionAt(b, at) != FrameCodec.VERSION) {
                throw new IllegalArgumentException("frame " + entries.size() + " at byte " + at + ": unknown version "
                        + FrameCodec.versionAt(b, at));
            }
            if (!FrameCodec.crcMatches(b, at, size)) {
                throw new IllegalArgumentException("frame " + entries.size() + " at byte " + at + ": CRC32C mismatch");
            }
            LogEntry e = FrameCodec.decode(b, at, size);
            if (!entries.isEmpty() && e.raftIndex() != entries.get(entries.size() - 1).raftIndex() + 1) {
                throw new IllegalArgumentException("frame " + entries.size() + " has index " + e.raftIndex()
                        + " after " + entries.get(entries.size() - 1).raftIndex());
            }
            entries.add(e);
            starts.add(at);
            at += size;
        }
        starts.add(at);
        return new FrameChunk(b, entries, starts.stream().mapToInt(Integer::intValue).toArray());
    }

    public int size() {
        return entries.size();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Bytes of frames {@code from} (inclusive) to {@code to} (exclusive). */
    public int bytesOf(int from, int to) {
        return starts[to] - starts[from];
    }

    /** Frames {@code from} (inclusive) to {@code to} (exclusive) as a chunk of their own (a view, nothing copied). */
    public FrameChunk sub(int from, int to) {
        if (from == 0 && to == size()) {
            return this;
        }
        int[] rel = new int[to - from + 1];
        for (int k = from; k <= to; k++) {
            rel[k - from] = starts[k] - starts[from];
        }
        return new FrameChunk(bytes.slice(starts[from], starts[to] - starts[from]), entries.subList(from, to), rel);
    }

    /** A view of the bytes of frames {@code from} (inclusive) to {@code to} (exclusive). */
    public ByteBuffer slice(int from, int to) {
        return bytes.slice(starts[from], starts[to] - starts[from]).asReadOnlyBuffer();
    }
}
