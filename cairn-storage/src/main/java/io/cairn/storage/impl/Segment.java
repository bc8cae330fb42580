package io.cairn.storage.impl;

import io.cairn.core.Invariants;
import io.cairn.storage.CorruptLogException;
import io.cairn.storage.LogEntry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
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
 * footer (56 bytes, sealed segments only): int magic "SEAL" | int pointCount | long lastRaftIndex
 *                    | long lastTerm | long endOffset | long logBytes | long maxTimestampMs
 *                    | int CRC32C of the whole file before this field | int CRC32C of the footer before this field
 * </pre>
 * The header is fsynced when the segment is created; the footer is written and fsynced at seal.
 * Points of the active segment are kept in memory at once but written to the file only once the
 * log is fsynced past them, and without fsync of their own (they are hints, validated on open).
 * So every byte before the last point on disk was fsynced, and the recovery scan from that point
 * covers all bytes that a power loss could have lost or reordered.
 *
 * <p>Opening a sealed segment reads only the header and the footer (checked by the footer's own
 * CRC), so open time does not grow with the log. Its points are loaded, and the whole index file's
 * CRC checked, on the first lookup that needs them.
 *
 * <p>Thread model: one writer (the log's owner) calls the mutating methods; readers on other
 * threads use {@link #writtenBytes()}, {@link #points()} and positional reads of {@link #channel()}.
 */
public final class Segment {
    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    static final int INDEX_MAGIC = 0x43495831;
    static final int SEAL_MAGIC = 0x5345414c;
    static final int HEADER_BYTES = 44;
    static final int POINT_BYTES = 40;
    static final int FOOTER_BYTES = 56;
    /**
     * Bounds on the zeros written ahead of the appends (see {@link #prepareAhead}): once fewer
     * than half of {@link #PREPARE_BYTES_MIN} remain, an eighth of what the segment holds is added,
     * at least {@link #PREPARE_BYTES_MIN} and at most {@link #PREPARE_BYTES_MAX}. So a small segment
     * keeps 32 to 96 KiB of zeros and a large one up to 32 + 256 KiB. The maximum also bounds the
     * one slower fsync that carries a batch of zeros to the disk (~0.6 ms at this disk's 450 MiB/s).
     */
    static final int PREPARE_BYTES_MIN = 64 << 10;
    static final int PREPARE_BYTES_MAX = 256 << 10;
    /**
     * Appends of at least this many bytes write no zeros ahead: every byte prepared is written to
     * the disk twice (zeros, then frames), which pays only while the saved journal commit (~0.1 ms
     * here, the time to write ~46 KiB at 450 MiB/s) outweighs the second write of the append.
     * Large NDJSON batches thus keep one write per byte; single records get the short fsync.
     */
    static final int PREPARE_APPEND_BYTES_MAX = 32 << 10;
    /** Read-only zeros to copy from; each user takes its own duplicate (independent position). */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(PREPARE_BYTES_MAX).asReadOnlyBuffer();

    private final ChannelOpener io;
    private final String name;
    private final Path logPath;
    private final Path indexPath;
    private final long baseOffset;
    private final long prevRaftIndex;
    private final long prevTerm;
    private final long createdMs;
    private final int flags;
    private final Path dir;
    private final SparseIndex index = new SparseIndex();
    /** False for a sealed segment whose points have not been read yet (see {@link #points()}). */
    private volatile boolean indexLoaded = true;
    private long indexFileBytes;
    private int entryBytesMax;

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
    /** Points [0, pointsInFile) are in the index file; later ones wait for the log to be fsynced past them. */
    private volatile int pointsInFile;
    /**
     * Length of the log file while it is longer than {@link #writtenBytes}: zeros written ahead of
     * the appends (see {@link #prepareAhead}). Owner thread only.
     */
    private long preparedBytes;
    /** After a refused zero write (disk full), no new attempt before the log reaches this length. Owner thread. */
    private long prepareRetryAtBytes;
    /**
     * Log bytes known fsynced. Raised by the flusher (with a mark that may be older than a seal
     * the owner just did, hence only ever raised) and by the owner; lowered only by truncation,
     * which excludes the flusher.
     */
    private final java.util.concurrent.atomic.AtomicLong durableBytes = new java.util.concurrent.atomic.AtomicLong();

    private Segment(ChannelOpener io, Path dir, String name, long baseOffset, long prevRaftIndex, long prevTerm,
                    long createdMs, int flags) {
        this.io = io;
        this.dir = dir;
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

    /**
     * What an index file's header (and footer, if it has a valid one) says, before deciding how
     * to open the segment. {@code footer} is null when there is no valid footer.
     */
    public record IndexFile(long baseOffset, long prevRaftIndex, long prevTerm, long createdMs, int flags,
                            long fileBytes, ByteBuffer footer) {}

    /** Reads and checks an index file's header and footer; null when the file is missing or its header damaged. */
    public static IndexFile readIndexHeader(Path indexPath) throws IOException {
        if (!Files.exists(indexPath)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(indexPath, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
            if (size < HEADER_BYTES || !Disk.readFully(ch, b, 0) || b.getInt(0) != INDEX_MAGIC
                    || b.getInt(HEADER_BYTES - 4) != FrameCodec.crc(b, 0, HEADER_BYTES - 4)) {
                return null;
            }
            ByteBuffer footer = null;
            if (size >= HEADER_BYTES + FOOTER_BYTES && (size - HEADER_BYTES - FOOTER_BYTES) % POINT_BYTES == 0) {
                ByteBuffer f = ByteBuffer.allocate(FOOTER_BYTES);
                if (Disk.readFully(ch, f, size - FOOTER_BYTES) && f.getInt(0) == SEAL_MAGIC
                        && f.getInt(FOOTER_BYTES - 4) == FrameCodec.crc(f, 0, FOOTER_BYTES - 4)
                        && f.getInt(4) == (size - HEADER_BYTES - FOOTER_BYTES) / POINT_BYTES) {
                    footer = f;
                }
            }
            return new IndexFile(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32), b.getInt(4), size,
                    footer);
        }
    }

    /**
     * Opens a sealed segment. It is trusted: only its index header and footer are read, and the
     * log file is never scanned, unless the footer is damaged or disagrees with the log file's
     * length, in which case the whole segment is scanned once (any bad frame is corruption,
     * since a sealed segment was fsynced whole) and the index rewritten.
     */
    public static Segment openSealed(ChannelOpener io, Path dir, String name, IndexFile h, int entryBytesMax)
            throws IOException {
        Segment s = new Segment(io, dir, name, h.baseOffset(), h.prevRaftIndex(), h.prevTerm(), h.createdMs(),
                h.flags());
        s.entryBytesMax = entryBytesMax;
        s.log = io.open(s.logPath, StandardOpenOption.READ);
        ByteBuffer f = h.footer();
        if (f != null && f.getLong(32) == s.log.size()) {
            s.lastRaftIndex = f.getLong(8);
            s.lastTerm = f.getLong(16);
            s.endOffset = f.getLong(24);
            s.writtenBytes = f.getLong(32);
            s.maxTimestampMs = f.getLong(40);
            s.indexFileBytes = h.fileBytes();
            s.indexLoaded = false;
        } else {
            s.rebuildSealed();
        }
        s.sealed = true;
        return s;
    }

    /** True when the index file ends with a valid footer (the segment was sealed before a crash). */
    public static boolean hasValidFooter(IndexFile h) {
        return h.footer() != null;
    }

    /**
     * The sparse index points, loading a sealed segment's points on first use. If the index
     * file's CRC does not match, the segment is scanned and the index rewritten (the footer's
     * summary must agree with the frames, else the segment is corrupt).
     */
    public SparseIndex.Points points() throws IOException {
        if (!indexLoaded) {
            loadIndex();
        }
        return index.snapshot();
    }

    private synchronized void loadIndex() throws IOException {
        if (indexLoaded) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(indexPath));
        int n = b.limit();
        if (n == indexFileBytes && n >= HEADER_BYTES + FOOTER_BYTES
                && b.getInt(n - 8) == FrameCodec.crc(b, 0, n - 8)) {
            for (int at = HEADER_BYTES; at + FOOTER_BYTES < n; at += POINT_BYTES) {
                index.add(b.getLong(at), b.getLong(at + 8), b.getLong(at + 16), b.getInt(at + 32), b.getLong(at + 24));
            }
        } else {
            long expectIndex = lastRaftIndex;
            long expectTerm = lastTerm;
            long expectEnd = endOffset;
            long expectBytes = writtenBytes;
            lastRaftIndex = prevRaftIndex;
            lastTerm = prevTerm;
            endOffset = baseOffset;
            rebuildSealed();
            if (lastRaftIndex != expectIndex || lastTerm != expectTerm || endOffset != expectEnd
                    || writtenBytes != expectBytes) {
                throw new CorruptLogException(logPath, writtenBytes, String.format(
                        "frames end at (index %d, term %d, offset %d, byte %d) but the footer says (%d, %d, %d, %d)",
                        lastRaftIndex, lastTerm, endOffset, writtenBytes, expectIndex, expectTerm, expectEnd,
                        expectBytes));
            }
        }
        indexLoaded = true;
    }

    private void rebuildSealed() throws IOException {
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
            track(sc.entry(), sc.framePosition(), 0);
        }
        writtenBytes = size;
        // Rewrite the whole index (header, points, footer) in place of the damaged one.
        Path tmp = dir.resolve(name + INDEX_SUFFIX + ".tmp");
        try (FileChannel ch = io.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer all = encodeWholeIndex();
            indexFileBytes = all.remaining();
            Disk.writeFully(ch, all, 0);
            ch.force(true);
        }
        Disk.makeWritable(indexPath);
        Files.move(tmp, indexPath, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Disk.makeReadOnly(indexPath);
        Disk.fsyncDirectory(dir);
    }

    /**
     * What opening the active segment found: {@code truncatedBytes} of a torn write cut off (not
     * counting zeros), {@code zeroBytes} of zeros after the last frame dropped (prepared ahead of
     * appends, or the zero-filled end of a torn write), {@code scannedBytes} read from the last
     * index point on.
     */
    public record Recovery(Segment segment, long truncatedBytes, long zeroBytes, long scannedBytes) {}

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
        s.entryBytesMax = entryBytesMax;
        s.log = io.open(s.logPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        s.indexFile = io.open(s.indexPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer b = ByteBuffer.allocate((int) s.indexFile.size());
            Disk.readFully(s.indexFile, b, 0);
            return s.recover(b.flip(), entryBytesMax, indexIntervalBytes);
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
            index.add(pts[i][0], pts[i][1], pts[i][2], (int) pts[i][4], pts[i][3]);
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
        pointsInFile = kept;

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
                    track(e, sc.framePosition(), indexIntervalBytes);
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
            // Zeros at the end are the space prepared ahead of appends (or a torn write the file
            // system filled with zeros): nothing was lost there that had not been lost anyway.
            long tornEnd = endOfNonZero(bad, size);
            if (tornEnd > bad) {
                org.slf4j.LoggerFactory.getLogger(Segment.class).warn(
                        "truncating torn tail of {}: {} bytes from byte {} ({}), then {} bytes of zeros", logPath,
                        tornEnd - bad, bad, sc.problem(), size - tornEnd);
            }
            log.truncate(bad);
            writtenBytes = bad;
            preparedBytes = bad;
            finishRecovery();
            return new Recovery(this, tornEnd - bad, size - tornEnd, size - start);
        }
        writtenBytes = size;
        preparedBytes = size;
        finishRecovery();
        return new Recovery(this, 0, 0, size - start);
    }

    /** The end of the last non-zero byte in [from, size), or {@code from} if all of it is zeros. */
    private long endOfNonZero(long from, long size) throws IOException {
        if (size <= from) {
            return from;
        }
        ByteBuffer m = log.map(FileChannel.MapMode.READ_ONLY, from, size - from);
        int at = m.limit();
        while (at >= 8 && m.getLong(at - 8) == 0) {
            at -= 8;
        }
        while (at > 0 && m.get(at - 1) == 0) {
            at--;
        }
        return from + at;
    }

    /** Fsyncs what recovery kept (a crashed process leaves unsynced pages behind) and writes the points found. */
    private void finishRecovery() throws IOException {
        log.force(true);
        durableBytes.accumulateAndGet(writtenBytes, Math::max);
        writeDurablePoints();
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

    /** Applies a written frame to the writer state; adds an in-memory index point when the rules ask for one. */
    private void track(LogEntry e, long position, int indexIntervalBytes) {
        boolean point = lastPointPosition < 0 || e.term() != lastTerm
                || position - lastPointPosition >= indexIntervalBytes;
        if (point) {
            index.add(e.baseOffset(), e.raftIndex(), e.term(), (int) position, maxTimestampMs);
            lastPointPosition = position;
        }
        lastRaftIndex = e.raftIndex();
        lastTerm = e.term();
        endOffset = e.endOffset();
        maxTimestampMs = Math.max(maxTimestampMs, e.maxTimestampMs());
    }

    /** Writes the points the log has been fsynced past. On failure the index file is cut back. */
    private void writeDurablePoints() throws IOException {
        SparseIndex.Points p = index.snapshot();
        long durable = durableBytes.get();
        int n = pointsInFile;
        while (n < p.size() && p.positions()[n] <= durable) {
            n++;
        }
        if (n == pointsInFile) {
            return;
        }
        ByteBuffer b = ByteBuffer.allocate((n - pointsInFile) * POINT_BYTES);
        for (int i = pointsInFile; i < n; i++) {
            b.put(encodePoint(p.offsets()[i], p.indexes()[i], p.terms()[i], p.maxTimestampsMs()[i], p.positions()[i]));
        }
        long at = HEADER_BYTES + (long) pointsInFile * POINT_BYTES;
        try {
            Disk.writeFully(indexFile, b.flip(), at);
        } catch (IOException ex) {
            indexFile.truncate(at);
            throw ex;
        }
        pointsInFile = n;
    }

    /** Fsyncs the log and writes every pending index point, so the next open scans almost nothing. */
    public void syncForClose() throws IOException {
        dropPrepared();
        log.force(false);
        durableBytes.accumulateAndGet(writtenBytes, Math::max);
        writeDurablePoints();
    }

    /** Called by the flusher after an fsync that covered the first {@code bytes} of the log. */
    public void markDurable(long bytes) {
        durableBytes.accumulateAndGet(bytes, Math::max);
    }

    /**
     * Writes one encoded frame after the last one (no fsync). On failure the file is cut back to
     * its previous length, so the segment is exactly as before the call, and the error rethrown.
     */
    public void append(ByteBuffer frame, LogEntry e, int indexIntervalBytes) throws IOException {
        appendRun(frame, List.of(e), indexIntervalBytes);
    }

    /**
     * Writes several frames that are back to back in {@code frames} with one write (no fsync),
     * {@code entries} being their decoded headers in order. On failure the file and index are cut
     * back to before the call, exactly as for {@link #append}.
     */
    public void appendRun(ByteBuffer frames, List<LogEntry> entries, int indexIntervalBytes) throws IOException {
        Invariants.check(!sealed && !closed, "append to sealed or closed segment %s", name);
        long pos = writtenBytes;
        int size = frames.remaining();
        Invariants.check(pos + size <= Integer.MAX_VALUE, "segment %s would exceed 2 GiB", name);
        // Points for frames fsynced since the last append; a failure here leaves the log untouched.
        writeDurablePoints();
        int pointsBefore = index.size();
        long lastPointBefore = lastPointPosition;
        try {
            Disk.writeFully(log, frames, pos);
            long at = pos;
            for (LogEntry e : entries) {
                track(e, at, indexIntervalBytes);
                at += FrameCodec.frameBytes(e);
            }
            Invariants.check(at == pos + size, "frames of %s bytes hold entries of %s bytes in %s", size, at - pos, name);
        } catch (IOException ex) {
            // Cut the partial frames (and points) back so the file never holds half an entry we did not report.
            log.truncate(pos);
            preparedBytes = pos;
            index.truncate(pointsBefore);
            lastPointPosition = lastPointBefore;
            throw ex;
        }
        // Publishing the new length last lets readers see only whole frames.
        writtenBytes = pos + size;
        prepareAhead(size);
    }

    /**
     * Keeps zeros written ahead of the last frame, so the next appends overwrite blocks the file
     * already has instead of growing it. An fdatasync after a write that grows the file must also
     * commit the new length (on ext4 a journal commit: a second device write and flush); one after
     * an overwrite inside the file needs only the data. Measured here with Python
     * {@code os.write}+{@code os.fdatasync} of 6 KB: appending p50 0.25-0.26 ms, overwriting zeros
     * written and synced before p50 0.16 ms.
     *
     * <p>Safe for recovery: the zeros lie beyond {@link #writtenBytes}; a zero length field is not
     * a frame, so the scan on open stops there and drops them (a torn write whose tail the file
     * system filled with zeros looks the same). Sealing and a clean close cut them off, so a sealed
     * segment's file ends at its last frame, as its footer says. A refused write (disk full) is
     * cut back and simply leaves the file growing with each append, as without this. Large
     * appends skip it ({@link #PREPARE_APPEND_BYTES_MAX}).
     */
    private void prepareAhead(int appendedBytes) {
        long written = writtenBytes;
        if (appendedBytes >= PREPARE_APPEND_BYTES_MAX || preparedBytes - written >= PREPARE_BYTES_MIN / 2
                || written < prepareRetryAtBytes) {
            return;
        }
        long from = Math.max(preparedBytes, written);
        int bytes = (int) Math.min(PREPARE_BYTES_MAX, Math.max(PREPARE_BYTES_MIN, written / 8));
        try {
            Disk.writeFully(log, ZEROS.duplicate().limit(bytes), from);
            preparedBytes = from + bytes;
        } catch (IOException refused) {
            prepareRetryAtBytes = written + PREPARE_BYTES_MAX;
            try {
                log.truncate(written);
                preparedBytes = written;
            } catch (IOException ignored) {
                // The zeros stay: they are beyond the last frame, where recovery and sealing expect them.
            }
        }
    }

    /** Cuts the zeros written ahead, so the file ends at its last frame (before sealing or closing). */
    private void dropPrepared() throws IOException {
        if (preparedBytes > writtenBytes) {
            log.truncate(writtenBytes);
        }
        preparedBytes = writtenBytes;
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
        dropPrepared(); // The footer records the log's length; the file must end there.
        log.force(true);
        durableBytes.accumulateAndGet(writtenBytes, Math::max);
        writeDurablePoints();
        long footerAt = HEADER_BYTES + (long) index.size() * POINT_BYTES;
        try {
            indexFile.truncate(footerAt);
            // The footer's CRC covers the index bytes exactly as they are on disk.
            ByteBuffer onDisk = ByteBuffer.allocate((int) footerAt);
            Invariants.check(Disk.readFully(indexFile, onDisk, 0), "index file %s shorter than %d", indexPath,
                    footerAt);
            CRC32C c = new CRC32C();
            c.update(onDisk.flip());
            ByteBuffer footer = encodeFooter(index.size(), c);
            Disk.writeFully(indexFile, footer, footerAt);
            indexFile.force(true);
            indexFileBytes = footerAt + FOOTER_BYTES;
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
            points();
            Disk.makeWritable(logPath);
            Disk.makeWritable(indexPath);
            FileChannel rw = io.open(logPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            log.close();
            log = rw;
            indexFile = io.open(indexPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        int keep = index.snapshot().firstAtOrAfterPosition(position);
        pointsInFile = sealed ? keep : Math.min(pointsInFile, keep);
        indexFile.truncate(HEADER_BYTES + (long) pointsInFile * POINT_BYTES);
        indexFile.force(true);
        log.truncate(position);
        preparedBytes = position;
        log.force(true);
        durableBytes.set(position);
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

    /** The footer; {@code prefixCrc} holds the CRC32C of every index byte before it. */
    private ByteBuffer encodeFooter(int points, CRC32C prefixCrc) {
        ByteBuffer f = ByteBuffer.allocate(FOOTER_BYTES);
        f.putInt(SEAL_MAGIC).putInt(points).putLong(lastRaftIndex).putLong(lastTerm).putLong(endOffset)
                .putLong(writtenBytes).putLong(maxTimestampMs);
        prefixCrc.update(f.duplicate().flip());
        f.putInt((int) prefixCrc.getValue());
        f.putInt(FrameCodec.crc(f, 0, FOOTER_BYTES - 4));
        return f.flip();
    }

    /** Header, all points and the footer, as one buffer. */
    private ByteBuffer encodeWholeIndex() {
        var p = index.snapshot();
        int size = HEADER_BYTES + p.size() * POINT_BYTES + FOOTER_BYTES;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(encodeHeader());
        // Points store the running max timestamp only for recovery of an active segment; a
        // sealed segment's footer carries the final value, so zero is fine in a rebuilt index.
        for (int i = 0; i < p.size(); i++) {
            b.put(encodePoint(p.offsets()[i], p.indexes()[i], p.terms()[i], 0, p.positions()[i]));
        }
        CRC32C c = new CRC32C();
        c.update(b.duplicate().flip());
        b.put(encodeFooter(p.size(), c));
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

    /**
     * Bytes of this segment's frames and index on disk. The zeros the active segment keeps ahead
     * of its frames (at most half of {@link #PREPARE_BYTES_MIN} plus {@link #PREPARE_BYTES_MAX})
     * are not counted: size bounds such as {@code --max-disk-bytes} and retention by size are about
     * the log's contents.
     */
    public long diskBytes() {
        return writtenBytes + (sealed ? indexFileBytes : HEADER_BYTES + (long) pointsInFile * POINT_BYTES);
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
