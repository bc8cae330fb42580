package io.cairn.storage.impl;

import io.cairn.core.Invariants;
import io.cairn.storage.CorruptLogException;
import io.cairn.storage.LogEntry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One segment: a {@code .log} file of frames and its {@code .index} file.
 *
 * <p>Index file layout (big-endian):
 * <pre>
 * header (44 bytes): int magic "CIX1" | int flags | long baseOffset | long prevRaftIndex | long prevTerm
 *                    | long createdMs | int CRC32C of the previous 40 bytes
 * points (40 bytes each): long offset | long raftIndex | long term | long maxTimestampMs (so far in the
 *                    segment) | int position | int CRC32C of the previous 36 bytes
 * footer (52 bytes, sealed segments only): int magic "SEAL" | int pointCount | long lastRaftIndex
 *                    | long lastTerm | long endOffset | long logBytes | long maxTimestampMs
 *                    | int CRC32C of the whole file before this field
 * </pre>
 * The header is fsynced when the segment is created; points of the active segment are written
 * without fsync (they are hints, validated on open); the footer is written and fsynced at seal.
 *
 * <p>Thread model: one writer (the log's owner) calls the mutating methods; readers on other
 * threads use {@link #writtenBytes()}, {@link #index()} and positional reads of {@link #channel()}.
 */
public final class Segment {
    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    static final int INDEX_MAGIC = 0x43495831;
    static final int SEAL_MAGIC = 0x5345414c;
    static final int HEADER_BYTES = 44;
    static final int POINT_BYTES = 40;
    static final int FOOTER_BYTES = 52;
    /** Header flag: this segment starts the log after a reset; older segments are leftovers to delete. */
    public static final int FLAG_RESET_BASE = 1;

    private final ChannelOpener io;
    private final String name;
    private final Path logPath;
    private final Path indexPath;
    private final long baseOffset;
    private final long prevRaftIndex;
    private final long prevTerm;
    private final long createdMs;
    private final int flags;
    private final SparseIndex index = new SparseIndex();

    private FileChannel log;
    private FileChannel indexFile;
    private volatile long writtenBytes;
    private volatile boolean sealed;
    private volatile boolean closed;

    // Writer state (owner thread only).
    private long lastRaftIndex;
    private long lastTerm;
    private long endOffset;
    private long maxTimestampMs;
    private long lastPointPosition = -1;

    private Segment(ChannelOpener io, Path dir, String name, long baseOffset, long prevRaftIndex, long prevTerm,
                    long createdMs, int flags) {
        this.io = io;
        this.name = name;
        this.logPath = dir.resolve(name + LOG_SUFFIX);
        this.indexPath = dir.resolve(name + INDEX_SUFFIX);
        this.baseOffset = baseOffset;
        this.prevRaftIndex = prevRaftIndex;
        this.prevTerm = prevTerm;
        this.createdMs = createdMs;
        this.flags = flags;
        this.lastRaftIndex = prevRaftIndex;
        this.lastTerm = prevTerm;
        this.endOffset = baseOffset;
    }

    // ---------------------------------------------------------------- naming

    /** A segment's name: 20-digit base offset, plus "-" and the 20-digit first Raft index when disambiguating. */
    public record Name(long baseOffset, long firstRaftIndex) implements Comparable<Name> {
        /** {@code firstRaftIndex} is -1 for the plain form, which always sorts first among equal base offsets. */
        public String text() {
            return firstRaftIndex < 0 ? String.format("%020d", baseOffset)
                    : String.format("%020d-%020d", baseOffset, firstRaftIndex);
        }

        public static Name parse(String stem) {
            try {
                if (stem.length() == 20) {
                    return new Name(Long.parseLong(stem), -1);
                }
                if (stem.length() == 41 && stem.charAt(20) == '-') {
                    return new Name(Long.parseLong(stem.substring(0, 20)), Long.parseLong(stem.substring(21)));
                }
            } catch (NumberFormatException notOurs) {
                return null;
            }
            return null;
        }

        @Override
        public int compareTo(Name o) {
            int c = Long.compare(baseOffset, o.baseOffset);
            return c != 0 ? c : Long.compare(firstRaftIndex, o.firstRaftIndex);
        }
    }

    // ---------------------------------------------------------------- creation and opening

    /** Creates an empty active segment; its header is fsynced and the directory entry made durable. */
    public static Segment create(ChannelOpener io, Path dir, String name, long baseOffset, long prevRaftIndex,
                                 long prevTerm, long createdMs, int flags) throws IOException {
        Segment s = new Segment(io, dir, name, baseOffset, prevRaftIndex, prevTerm, createdMs, flags);
        try {
            s.indexFile = io.open(s.indexPath, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            Disk.writeFully(s.indexFile, s.encodeHeader(), 0);
            s.indexFile.force(true);
            s.log = io.open(s.logPath, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            s.log.force(true);
            Disk.fsyncDirectory(dir);
        } catch (IOException e) {
            s.closeQuietly();
            Files.deleteIfExists(s.logPath);
            Files.deleteIfExists(s.indexPath);
            throw e;
        }
        return s;
    }

    /** What an index file says, before deciding how to open the segment. */
    public record IndexFile(long baseOffset, long prevRaftIndex, long prevTerm, long createdMs, int flags,
                            ByteBuffer bytes) {}

    /** Reads and checks an index file's header; null when the file is missing or its header is damaged. */
    public static IndexFile readIndexHeader(Path indexPath) throws IOException {
        if (!Files.exists(indexPath)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(indexPath));
        if (b.limit() < HEADER_BYTES || b.getInt(0) != INDEX_MAGIC
                || b.getInt(HEADER_BYTES - 4) != FrameCodec.crc(b, 0, HEADER_BYTES - 4)) {
            return null;
        }
        return new IndexFile(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32), b.getInt(4), b);
    }

    /**
     * Opens a segment that is not the last one. It is trusted: only its index file is read, and
     * the log file is never scanned, unless the index is damaged, in which case the whole
     * segment is scanned once (any bad frame is corruption, since a sealed segment was fsynced
     * whole) and the index rewritten.
     */
    public static Segment openSealed(ChannelOpener io, Path dir, String name, IndexFile h, int entryBytesMax)
            throws IOException {
        Segment s = new Segment(io, dir, name, h.baseOffset(), h.prevRaftIndex(), h.prevTerm(), h.createdMs(),
                h.flags());
        s.log = io.open(s.logPath, StandardOpenOption.READ);
        if (!s.loadSealedIndex(h.bytes())) {
            s.rebuildSealed(dir, entryBytesMax);
        }
        s.sealed = true;
        return s;
    }

    /** True when the index file ends with a valid footer (the segment was sealed before a crash). */
    public static boolean hasValidFooter(IndexFile h) {
        ByteBuffer b = h.bytes();
        int n = b.limit();
        return n >= HEADER_BYTES + FOOTER_BYTES && (n - HEADER_BYTES - FOOTER_BYTES) % POINT_BYTES == 0
                && b.getInt(n - FOOTER_BYTES) == SEAL_MAGIC
                && b.getInt(n - 4) == FrameCodec.crc(b, 0, n - 4);
    }

    private boolean loadSealedIndex(ByteBuffer b) throws IOException {
        if (!hasValidFooter(new IndexFile(0, 0, 0, 0, 0, b))) {
            return false;
        }
        int n = b.limit();
        int f = n - FOOTER_BYTES;
        int points = b.getInt(f + 4);
        if (points != (f - HEADER_BYTES) / POINT_BYTES || b.getLong(f + 32) != log.size()) {
            return false;
        }
        for (int i = 0; i < points; i++) {
            int at = HEADER_BYTES + i * POINT_BYTES;
            index.add(b.getLong(at), b.getLong(at + 8), b.getLong(at + 16), b.getInt(at + 32));
        }
        lastRaftIndex = b.getLong(f + 8);
        lastTerm = b.getLong(f + 16);
        endOffset = b.getLong(f + 24);
        writtenBytes = b.getLong(f + 32);
        maxTimestampMs = b.getLong(f + 40);
        return true;
    }

    private void rebuildSealed(Path dir, int entryBytesMax) throws IOException {
        org.slf4j.LoggerFactory.getLogger(Segment.class)
                .warn("index of sealed segment {} is damaged; rebuilding it from a full scan", logPath);
        long size = log.size();
        FrameScanner sc = new FrameScanner(log, 0, size, 1 << 20, entryBytesMax);
        while (true) {
            FrameScanner.Kind k = sc.next();
            if (k == FrameScanner.Kind.END) {
                break;
            }
            if (k != FrameScanner.Kind.FRAME) {
                throw new CorruptLogException(logPath, sc.position(), "sealed segment: " + sc.problem());
            }
            checkSequence(sc.entry(), sc.framePosition());
            track(sc.entry(), sc.framePosition(), sc.frameBytes(), 0, false);
        }
        writtenBytes = size;
        // Rewrite the whole index (header, points, footer) in place of the damaged one.
        Path tmp = dir.resolve(name + INDEX_SUFFIX + ".tmp");
        try (FileChannel ch = io.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer all = encodeWholeIndex(true);
            Disk.writeFully(ch, all, 0);
            ch.force(true);
        }
        Disk.makeWritable(indexPath);
        Files.move(tmp, indexPath, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Disk.makeReadOnly(indexPath);
        Disk.fsyncDirectory(dir);
    }

    /** Outcome of recovering the active segment. */
    public record Recovery(Segment segment, long truncatedBytes, long scannedBytes) {}

    /**
     * Opens the last segment: reads the index points, validates the last one against the frame
     * it names, scans from there verifying CRCs and the sequence, truncates a torn tail and
     * writes the index points the scan found. Cost: O(bytes after the last index point).
     *
     * @throws CorruptLogException when a bad frame is followed by a valid one
     */
    public static Recovery openActive(ChannelOpener io, Path dir, String name, IndexFile h, int entryBytesMax,
                                      int indexIntervalBytes) throws IOException {
        Segment s = new Segment(io, dir, name, h.baseOffset(), h.prevRaftIndex(), h.prevTerm(), h.createdMs(),
                h.flags());
        s.log = io.open(s.logPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        s.indexFile = io.open(s.indexPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            return s.recover(h.bytes(), entryBytesMax, indexIntervalBytes);
        } catch (IOException | RuntimeException e) {
            s.closeQuietly();
            throw e;
        }
    }

    private Recovery recover(ByteBuffer b, int entryBytesMax, int indexIntervalBytes) throws IOException {
        long size = log.size();
        // Points written before the crash, in order, each with its own CRC; stop at the first bad one.
        int n = 0;
        long[][] pts = new long[(b.limit() - HEADER_BYTES) / POINT_BYTES][];
        for (int at = HEADER_BYTES; at + POINT_BYTES <= b.limit(); at += POINT_BYTES) {
            if (b.getInt(at + 36) != FrameCodec.crc(b, at, at + 36)) {
                break;
            }
            long pos = b.getInt(at + 32);
            if (pos >= size || (n > 0 && pos <= pts[n - 1][4])) {
                break;
            }
            pts[n++] = new long[] {b.getLong(at), b.getLong(at + 8), b.getLong(at + 16), b.getLong(at + 24), pos};
        }
        // Start at the last point whose frame is intact and is the entry the point names.
        long start = 0;
        int kept = 0;
        for (int i = n - 1; i >= 0; i--) {
            FrameScanner probe = new FrameScanner(log, pts[i][4], size, 64 << 10, entryBytesMax);
            if (probe.next() == FrameScanner.Kind.FRAME && probe.entry().raftIndex() == pts[i][1]
                    && probe.entry().baseOffset() == pts[i][0] && probe.entry().term() == pts[i][2]) {
                start = pts[i][4];
                kept = i + 1;
                break;
            }
        }
        for (int i = 0; i < kept; i++) {
            index.add(pts[i][0], pts[i][1], pts[i][2], (int) pts[i][4]);
        }
        if (kept > 0) {
            long[] p = pts[kept - 1];
            // The point stores the state before its own entry is applied, so the scan re-applies that entry.
            lastRaftIndex = p[1] - 1;
            lastTerm = p[2];
            endOffset = p[0];
            maxTimestampMs = p[3];
            lastPointPosition = p[4];
        }
        indexFile.truncate(HEADER_BYTES + (long) kept * POINT_BYTES);

        FrameScanner sc = new FrameScanner(log, start, size, 1 << 20, entryBytesMax);
        boolean first = true;
        while (true) {
            FrameScanner.Kind k = sc.next();
            if (k == FrameScanner.Kind.END) {
                break;
            }
            if (k == FrameScanner.Kind.FRAME) {
                LogEntry e = sc.entry();
                if (first && kept > 0) {
                    // The kept point's entry: already indexed; restore the state after it.
                    lastRaftIndex = e.raftIndex();
                    lastTerm = e.term();
                    endOffset = e.endOffset();
                    maxTimestampMs = Math.max(maxTimestampMs, e.maxTimestampMs());
                } else {
                    checkSequence(e, sc.framePosition());
                    track(e, sc.framePosition(), sc.frameBytes(), indexIntervalBytes, true);
                }
                first = false;
                continue;
            }
            long bad = sc.position();
            long later = findValidFrameAfter(bad, size, entryBytesMax);
            if (later >= 0) {
                throw new CorruptLogException(logPath, bad, sc.problem() + ", yet a valid frame follows at byte "
                        + later + ": this is damage, not a torn write");
            }
            org.slf4j.LoggerFactory.getLogger(Segment.class).warn(
                    "truncating torn tail of {}: {} bytes from byte {} ({})", logPath, size - bad, bad, sc.problem());
            log.truncate(bad);
            log.force(true);
            writtenBytes = bad;
            return new Recovery(this, size - bad, size - start);
        }
        writtenBytes = size;
        return new Recovery(this, 0, size - start);
    }

    /**
     * Looks for a frame with a valid CRC that continues this log (raft index above the last good
     * one) anywhere after {@code from}. A torn write leaves only garbage after the tear; a valid
     * later frame means bytes in the middle were damaged after being written. Cheap field checks
     * filter candidate positions before any CRC is computed.
     */
    private long findValidFrameAfter(long from, long size, int entryBytesMax) throws IOException {
        if (size - from <= FrameCodec.HEADER_BYTES) {
            return -1;
        }
        ByteBuffer m = log.map(FileChannel.MapMode.READ_ONLY, from, size - from);
        long maxPlausibleIndex = lastRaftIndex + (size - from) / FrameCodec.HEADER_BYTES + 1;
        int limit = m.limit();
        for (int at = 1; at + FrameCodec.HEADER_BYTES <= limit; at++) {
            int len = m.getInt(at);
            if (len < FrameCodec.HEADER_BYTES - 4 || len > entryBytesMax - 4 || at + 4L + len > limit
                    || FrameCodec.versionAt(m, at) != FrameCodec.VERSION) {
                continue;
            }
            long idx = FrameCodec.raftIndexAt(m, at);
            if (idx <= lastRaftIndex || idx > maxPlausibleIndex || FrameCodec.termAt(m, at) < lastTerm
                    || FrameCodec.baseOffsetAt(m, at) < endOffset) {
                continue;
            }
            if (FrameCodec.crcMatches(m, at, len + 4)) {
                return from + at;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- writing

    private void checkSequence(LogEntry e, long position) throws CorruptLogException {
        if (e.raftIndex() != lastRaftIndex + 1 || e.baseOffset() != endOffset || e.term() < lastTerm) {
            throw new CorruptLogException(logPath, position, String.format(
                    "frame (index %d, term %d, offset %d) does not follow (index %d, term %d, end offset %d)",
                    e.raftIndex(), e.term(), e.baseOffset(), lastRaftIndex, lastTerm, endOffset));
        }
    }

    /** Applies a written frame to the writer state; adds an index point when the rules ask for one. */
    private void track(LogEntry e, long position, int frameBytes, int indexIntervalBytes, boolean writePoint)
            throws IOException {
        boolean point = lastPointPosition < 0 || e.term() != lastTerm
                || position - lastPointPosition >= indexIntervalBytes;
        if (point) {
            if (writePoint) {
                writePoint(e, position);
            }
            index.add(e.baseOffset(), e.raftIndex(), e.term(), (int) position);
            lastPointPosition = position;
        }
        lastRaftIndex = e.raftIndex();
        lastTerm = e.term();
        endOffset = e.endOffset();
        maxTimestampMs = Math.max(maxTimestampMs, e.maxTimestampMs());
    }

    private void writePoint(LogEntry e, long position) throws IOException {
        ByteBuffer p = encodePoint(e.baseOffset(), e.raftIndex(), e.term(), maxTimestampMs, (int) position);
        long at = HEADER_BYTES + (long) index.size() * POINT_BYTES;
        try {
            Disk.writeFully(indexFile, p, at);
        } catch (IOException ex) {
            indexFile.truncate(at);
            throw ex;
        }
    }

    /**
     * Writes one encoded frame after the last one (no fsync). On failure the file is cut back to
     * its previous length, so the segment is exactly as before the call, and the error rethrown.
     */
    public void append(ByteBuffer frame, LogEntry e, int indexIntervalBytes) throws IOException {
        Invariants.check(!sealed && !closed, "append to sealed or closed segment %s", name);
        long pos = writtenBytes;
        int size = frame.remaining();
        Invariants.check(pos + size <= Integer.MAX_VALUE, "segment %s would exceed 2 GiB", name);
        int pointsBefore = index.size();
        long lastPointBefore = lastPointPosition;
        try {
            Disk.writeFully(log, frame, pos);
            track(e, pos, size, indexIntervalBytes, true);
        } catch (IOException ex) {
            // Cut the partial frame (and point) back so the file never holds half an entry we did not report.
            log.truncate(pos);
            index.truncate(pointsBefore);
            lastPointPosition = lastPointBefore;
            throw ex;
        }
        // Publishing the new length last lets readers see only whole frames.
        writtenBytes = pos + size;
    }

    /** Fsyncs the frames written so far (fdatasync: the file length is included). */
    public void force() throws IOException {
        log.force(false);
    }

    /**
     * Seals: fsync the log, append and fsync the footer, make both files read-only. On failure
     * (e.g. disk full while writing the footer) the footer is cut back and the segment stays active.
     */
    public void seal() throws IOException {
        Invariants.check(!sealed, "segment %s sealed twice", name);
        log.force(true);
        long footerAt = HEADER_BYTES + (long) index.size() * POINT_BYTES;
        try {
            indexFile.truncate(footerAt);
            // The footer's CRC covers the index bytes exactly as they are on disk.
            ByteBuffer onDisk = ByteBuffer.allocate((int) footerAt);
            Invariants.check(Disk.readFully(indexFile, onDisk, 0), "index file %s shorter than %d", indexPath,
                    footerAt);
            CRC32C c = new CRC32C();
            c.update(onDisk.flip());
            ByteBuffer footer = ByteBuffer.allocate(FOOTER_BYTES);
            footer.putInt(SEAL_MAGIC).putInt(index.size()).putLong(lastRaftIndex).putLong(lastTerm)
                    .putLong(endOffset).putLong(writtenBytes).putLong(maxTimestampMs);
            c.update(footer.duplicate().flip());
            footer.putInt((int) c.getValue());
            Disk.writeFully(indexFile, footer.flip(), footerAt);
            indexFile.force(true);
        } catch (IOException ex) {
            indexFile.truncate(footerAt);
            throw ex;
        }
        indexFile.close();
        indexFile = null;
        Disk.makeReadOnly(logPath);
        Disk.makeReadOnly(indexPath);
        sealed = true;
    }

    /**
     * Removes every frame from {@code position} on, durably: index points first (so a crash
     * between the two steps leaves a valid, longer log, never a log whose index names missing
     * frames), then the log file, each fsynced. A sealed segment becomes active again.
     */
    public void truncateTo(long position, long newLastRaftIndex, long newLastTerm, long newEndOffset)
            throws IOException {
        Invariants.check(position >= 0 && position <= writtenBytes, "truncate %s to %d of %d", name, position,
                writtenBytes);
        if (sealed) {
            Disk.makeWritable(logPath);
            Disk.makeWritable(indexPath);
            FileChannel rw = io.open(logPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            log.close();
            log = rw;
            indexFile = io.open(indexPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        int keep = index.snapshot().firstAtOrAfterPosition(position);
        indexFile.truncate(HEADER_BYTES + (long) keep * POINT_BYTES);
        indexFile.force(true);
        log.truncate(position);
        log.force(true);
        index.truncate(keep);
        var pts = index.snapshot();
        lastPointPosition = keep == 0 ? -1 : pts.positions()[keep - 1];
        writtenBytes = position;
        lastRaftIndex = newLastRaftIndex;
        lastTerm = newLastTerm;
        endOffset = newEndOffset;
        sealed = false;
    }

    // ---------------------------------------------------------------- encoding

    private ByteBuffer encodeHeader() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        b.putInt(INDEX_MAGIC).putInt(flags).putLong(baseOffset).putLong(prevRaftIndex).putLong(prevTerm)
                .putLong(createdMs);
        b.putInt(FrameCodec.crc(b, 0, HEADER_BYTES - 4));
        return b.flip();
    }

    private static ByteBuffer encodePoint(long offset, long raftIndex, long term, long maxTs, int position) {
        ByteBuffer b = ByteBuffer.allocate(POINT_BYTES);
        b.putLong(offset).putLong(raftIndex).putLong(term).putLong(maxTs).putInt(position);
        b.putInt(FrameCodec.crc(b, 0, POINT_BYTES - 4));
        return b.flip();
    }

    /** Header, all points and (if {@code withFooter}) the footer, as one buffer. */
    private ByteBuffer encodeWholeIndex(boolean withFooter) {
        var p = index.snapshot();
        int size = HEADER_BYTES + p.size() * POINT_BYTES + (withFooter ? FOOTER_BYTES : 0);
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(encodeHeader());
        // Points store the running max timestamp only for recovery of an active segment; a
        // sealed segment's footer carries the final value, so zero is fine in a rebuilt index.
        for (int i = 0; i < p.size(); i++) {
            b.put(encodePoint(p.offsets()[i], p.indexes()[i], p.terms()[i], 0, p.positions()[i]));
        }
        if (withFooter) {
            b.putInt(SEAL_MAGIC).putInt(p.size()).putLong(lastRaftIndex).putLong(lastTerm).putLong(endOffset)
                    .putLong(writtenBytes).putLong(maxTimestampMs);
            CRC32C c = new CRC32C();
            c.update(b.duplicate().flip());
            b.putInt((int) c.getValue());
        }
        return b.flip();
    }

    // ---------------------------------------------------------------- accessors

    public String name() {
        return name;
    }

    public Path logPath() {
        return logPath;
    }

    public Path indexPath() {
        return indexPath;
    }

    public long baseOffset() {
        return baseOffset;
    }

    /** Raft index of the entry before this segment's first one (the previous segment's last, or a snapshot's). */
    public long prevRaftIndex() {
        return prevRaftIndex;
    }

    public long prevTerm() {
        return prevTerm;
    }

    public long firstRaftIndex() {
        return prevRaftIndex + 1;
    }

    public long createdMs() {
        return createdMs;
    }

    public int flags() {
        return flags;
    }

    public boolean isSealed() {
        return sealed;
    }

    /** Bytes of whole frames, safe to read from any thread. */
    public long writtenBytes() {
        return writtenBytes;
    }

    public SparseIndex index() {
        return index;
    }

    public FileChannel channel() {
        return log;
    }

    /** Writer thread only. */
    public long lastRaftIndex() {
        return lastRaftIndex;
    }

    /** Writer thread only. */
    public long lastTerm() {
        return lastTerm;
    }

    /** Writer thread only. */
    public long endOffset() {
        return endOffset;
    }

    /** Writer thread only. */
    public long maxTimestampMs() {
        return maxTimestampMs;
    }

    public boolean isEmpty() {
        return writtenBytes == 0;
    }

    /** Bytes this segment occupies on disk (log + index). */
    public long diskBytes() {
        return writtenBytes + HEADER_BYTES + (long) index.size() * POINT_BYTES + (sealed ? FOOTER_BYTES : 0);
    }

    public void close() throws IOException {
        closed = true;
        try {
            if (log != null) {
                log.close();
            }
        } finally {
            if (indexFile != null) {
                indexFile.close();
            }
        }
    }

    void closeQuietly() {
        try {
            close();
        } catch (IOException ignored) {
            // Already failing; the first error is the one reported.
        }
    }

    /** Closes and deletes both files (log first, so a crash leaves at most an orphan index, removed on open). */
    public void delete() throws IOException {
        close();
        Files.deleteIfExists(logPath);
        Files.deleteIfExists(indexPath);
    }
}
