package io.cairn.storage;

import io.cairn.core.Invariants;
import io.cairn.storage.impl.ChannelOpener;
import io.cairn.storage.impl.Disk;
import io.cairn.storage.impl.FrameCodec;
import io.cairn.storage.impl.FrameScanner;
import io.cairn.storage.impl.Segment;
import io.cairn.storage.impl.SparseIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * The log of one partition replica: a directory of segments, each a {@code .log} file of
 * CRC32C-checked frames (one per Raft entry) and a sparse {@code .index} file.
 *
 * <h2>Positions</h2>
 * The log tracks <em>appended &le; written &le; fsynced</em>: {@link #append} writes the frame to
 * the file (page cache) and returns; the {@link Flusher} fsyncs later and advances
 * {@link #durableIndex()}. Callers learn durability from {@link #whenDurable(long)}.
 *
 * <h2>Thread model</h2>
 * <ul>
 *   <li><b>Owner</b>: one thread at a time (or callers serialised by a lock, which gives the
 *       needed happens-before) calls {@link #append}, {@link #truncateSuffix}, {@link #rollIfDue},
 *       {@link #deleteSegmentsBefore}, {@link #resetTo}, {@link #whenDurable} and {@link #close}.
 *       Only {@code truncateSuffix}, {@code resetTo}, {@code close} and sealing fsync on this thread.</li>
 *   <li><b>Flusher thread</b>: fsyncs and completes {@code whenDurable} futures and the durable
 *       listener; callbacks attached to those futures run there unless the caller moves them.</li>
 *   <li><b>Readers</b>: any thread may call {@link #readFromOffset}, {@link #readFromIndex},
 *       {@link #termAt}, the position getters and {@link #verifySealed}. They see only whole
 *       written frames. They hold a read lock that excludes truncation, reset, retention and
 *       close, so a frame cannot change under them. Reader threads must not be interrupted
 *       while reading: the JDK closes a file channel when a thread blocked on it is interrupted.</li>
 * </ul>
 */
public final class SegmentLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentLog.class);
    /** Marks an interrupted {@link #resetTo}: present on open, the reset is completed first. */
    static final String RESET_FILE = "reset.state";
    private static final int READ_BUFFER_BYTES_MIN = 4096;
    /** Reads fetch at most this much per positional read, so a small read never pulls in a large block. */
    private static final int READ_BUFFER_BYTES_MAX = 256 << 10;
    private static final int SCRUB_BUFFER_BYTES = 1 << 20;

    private final Path dir;
    private final LogConfig config;
    private final Flusher flusher;
    private final ChannelOpener io;
    /** Excludes readers (shared) from truncation, reset, retention and close (exclusive). */
    private final ReentrantReadWriteLock structure = new ReentrantReadWriteLock();
    /** Held by the flusher around one fsync, and by operations that remove or rewrite frames. */
    private final ReentrantLock flushLock = new ReentrantLock();
    final AtomicBoolean flushRequested = new AtomicBoolean();

    /** Sorted by (base offset, first Raft index); the last one is the active segment. */
    private volatile Segment[] segments;
    private volatile long lastIndex;
    private volatile long lastTerm;
    private volatile long nextOffset;

    /** The last written entry, the segment holding it and that segment's length, published together. */
    private record Mark(Segment segment, long raftIndex, long endBytes) {}

    private volatile Mark written;
    private volatile long durableIndex;
    private volatile LogFailedException failure;
    private volatile boolean closed;
    private volatile LongConsumer durableListener;
    /** What the last open had to scan and cut (for logs, metrics and the O(tail) test). */
    private long recoveryScannedBytes;
    private long recoveryTruncatedBytes;

    private record Waiter(long raftIndex, CompletableFuture<Void> future) {}

    /** Bounded by {@link LogConfig#durableWaitersMax()}. Guarded by itself. */
    private final PriorityQueue<Waiter> waiters =
            new PriorityQueue<>((a, b) -> Long.compare(a.raftIndex(), b.raftIndex()));

    private SegmentLog(Path dir, LogConfig config, Flusher flusher, ChannelOpener io) {
        this.dir = dir;
        this.config = config;
        this.flusher = flusher;
        this.io = io;
    }

    // ================================================================ open

    /**
     * Opens (or creates) the log in {@code dir}. Sealed segments are trusted: only their index
     * files are read. The active segment is scanned from its last index point: CRCs verified, a
     * torn tail truncated, the index tail rebuilt. Cost is O(tail), not O(log length). Finally
     * the active segment is fsynced once, so everything recovered counts as durable.
     *
     * @throws CorruptLogException when a bad frame is followed by valid ones, or sealed data or
     *                             segment continuity is damaged
     */
    public static SegmentLog open(Path dir, LogConfig config, Flusher flusher) throws IOException {
        return open(dir, config, flusher, ChannelOpener.REAL);
    }

    /** As {@link #open(Path, LogConfig, Flusher)}, with a channel opener (fault-injection tests). */
    public static SegmentLog open(Path dir, LogConfig config, Flusher flusher, ChannelOpener io) throws IOException {
        DurableFiles.createDirectories(dir);
        SegmentLog log = new SegmentLog(dir, config, flusher, io);
        log.recover();
        return log;
    }

    private void recover() throws IOException {
        AtomicStateFile reset = new AtomicStateFile(dir.resolve(RESET_FILE));
        var pending = reset.read();
        if (pending.isPresent()) {
            ByteBuffer b = ByteBuffer.wrap(pending.get());
            LOG.warn("{}: completing a reset interrupted by a crash", dir);
            resetFiles(b.getLong(0), b.getLong(8), b.getLong(16));
            reset.delete();
        }
        TreeMap<Segment.Name, Boolean> names = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String f = p.getFileName().toString();
                String stem = f.endsWith(Segment.LOG_SUFFIX) ? f.substring(0, f.length() - Segment.LOG_SUFFIX.length())
                        : f.endsWith(Segment.INDEX_SUFFIX) ? f.substring(0, f.length() - Segment.INDEX_SUFFIX.length())
                        : null;
                Segment.Name n = stem == null ? null : Segment.Name.parse(stem);
                if (n != null) {
                    names.put(n, Boolean.TRUE);
                } else if (f.endsWith(".tmp")) {
                    Files.delete(p);
                }
            }
        }
        List<Segment.Name> list = new ArrayList<>(names.keySet());
        // Retention deletes the log file before the index: a crash between leaves a leading orphan index.
        while (list.size() > 1 && !Files.exists(logPath(list.get(0)))) {
            Files.deleteIfExists(indexPath(list.remove(0)));
        }
        List<Segment> open = new ArrayList<>();
        try {
            for (int i = 0; i < list.size(); i++) {
                Segment.Name n = list.get(i);
                boolean last = i == list.size() - 1;
                Segment.IndexFile h = Segment.readIndexHeader(indexPath(n));
                Segment prev = open.isEmpty() ? null : open.get(open.size() - 1);
                if (h == null) {
                    long logBytes = Files.exists(logPath(n)) ? Files.size(logPath(n)) : 0;
                    if (last && logBytes == 0) {
                        // A crash while creating the segment, before its header was durable: it held nothing.
                        LOG.warn("{}: removing segment {} whose creation was interrupted", dir, n.text());
                        Files.deleteIfExists(logPath(n));
                        Files.deleteIfExists(indexPath(n));
                        Disk.fsyncDirectory(dir);
                        break;
                    }
                    throw new CorruptLogException(indexPath(n), 0, "index header missing or damaged");
                }
                if (!Files.exists(logPath(n))) {
                    if (!last) {
                        throw new CorruptLogException(logPath(n), 0, "log file missing");
                    }
                    Files.createFile(logPath(n));
                }
                Segment s;
                if (!last || Segment.hasValidFooter(h)) {
                    s = Segment.openSealed(io, dir, n.text(), h, config.entryBytesMax());
                } else {
                    Segment.Recovery r = Segment.openActive(io, dir, n.text(), h, config.entryBytesMax(),
                            config.indexIntervalBytes());
                    s = r.segment();
                    recoveryScannedBytes = r.scannedBytes();
                    recoveryTruncatedBytes = r.truncatedBytes();
                    LOG.info("{}: recovered active segment {}: scanned {} bytes, truncated {} torn bytes and {}"
                            + " bytes of zeros after the last frame", dir, n.text(), r.scannedBytes(),
                            r.truncatedBytes(), r.zeroBytes());
                }
                if (prev != null && (s.prevRaftIndex() != prev.lastRaftIndex() || s.prevTerm() != prev.lastTerm()
                        || s.baseOffset() != prev.endOffset())) {
                    s.close();
                    throw new CorruptLogException(s.indexPath(), 0, String.format(
                            "segment starts after (index %d, term %d, offset %d) but the previous one ends at"
                                    + " (index %d, term %d, offset %d)", s.prevRaftIndex(), s.prevTerm(),
                            s.baseOffset(), prev.lastRaftIndex(), prev.lastTerm(), prev.endOffset()));
                }
                open.add(s);
            }
            if (open.isEmpty()) {
                open.add(Segment.create(io, dir, new Segment.Name(0, -1).text(), 0, 0, 0, config.clockMs().getAsLong(),
                        0));
            } else if (open.get(open.size() - 1).isSealed()) {
                // Sealed just before a crash, before its successor existed.
                open.add(createAfter(open.get(open.size() - 1), open));
            }
            Segment active = open.get(open.size() - 1);
            active.force();
            segments = open.toArray(new Segment[0]);
            lastIndex = active.lastRaftIndex();
            lastTerm = active.lastTerm();
            nextOffset = active.endOffset();
            written = new Mark(active, lastIndex, active.writtenBytes());
            durableIndex = lastIndex;
        } catch (IOException | RuntimeException e) {
            for (Segment s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Reporting the first failure matters more.
                }
            }
            throw e;
        }
    }

    private Path logPath(Segment.Name n) {
        return dir.resolve(n.text() + Segment.LOG_SUFFIX);
    }

    private Path indexPath(Segment.Name n) {
        return dir.resolve(n.text() + Segment.INDEX_SUFFIX);
    }

    /** Creates the successor of a sealed segment; disambiguates the name when the segment held no records. */
    private Segment createAfter(Segment prev, List<Segment> existing) throws IOException {
        long base = prev.endOffset();
        Segment.Name name = new Segment.Name(base, -1);
        for (Segment s : existing) {
            if (s.baseOffset() == base) {
                name = new Segment.Name(base, prev.lastRaftIndex() + 1);
            }
        }
        return Segment.create(io, dir, name.text(), base, prev.lastRaftIndex(), prev.lastTerm(),
                config.clockMs().getAsLong(), 0);
    }

    // ================================================================ append

    /**
     * Writes {@code entry} after the last one (no fsync) and returns. The entry must continue the
     * log: {@code raftIndex == lastIndex() + 1}, {@code baseOffset == nextOffset()},
     * {@code term >= lastTerm()}. May seal the active segment first, when it is full or older than
     * {@link LogConfig#segmentMs()} (which fsyncs it).
     *
     * @throws DiskFullException   no space; nothing was written and the log accepts appends again later
     * @throws LogFailedException  the log failed earlier (fsync) or an unexpected write error happened now
     * @throws IllegalArgumentException the frame is larger than {@link LogConfig#entryBytesMax()}
     */
    public void append(LogEntry entry) throws IOException {
        checkWritable();
        Invariants.check(entry.raftIndex() == lastIndex + 1, "append index %d after last index %d",
                entry.raftIndex(), lastIndex);
        Invariants.check(entry.baseOffset() == nextOffset, "append base offset %d but next offset is %d",
                entry.baseOffset(), nextOffset);
        Invariants.check(entry.term() >= lastTerm, "append term %d below last term %d", entry.term(), lastTerm);
        int size = FrameCodec.frameBytes(entry);
        if (size > config.entryBytesMax()) {
            throw new IllegalArgumentException("entry frame of " + size + " bytes exceeds entryBytesMax "
                    + config.entryBytesMax());
        }
        Segment active = segments[segments.length - 1];
        if (active.isSealed() || (!active.isEmpty() && (active.writtenBytes() + size > config.segmentBytesMax()
                || config.clockMs().getAsLong() - active.createdMs() >= config.segmentMs()))) {
            active = roll();
        }
        ByteBuffer frame = FrameCodec.encode(entry);
        try {
            active.append(frame, entry, config.indexIntervalBytes());
        } catch (IOException e) {
            throw writeFailure("append to " + active.logPath(), e);
        }
        lastTerm = entry.term();
        nextOffset = entry.endOffset();
        lastIndex = entry.raftIndex();
        written = new Mark(active, entry.raftIndex(), active.writtenBytes());
        requestFlush();
    }

    /**
     * Appends frames received as they are (a {@link FrameChunk} from the leader's log), entries
     * {@code from} (inclusive) to {@code to} (exclusive), with one write per run of frames that
     * goes into the same segment instead of one per entry, and without re-encoding: the bytes on
     * disk are the leader's. Segments roll exactly where {@link #append} would roll them (so a
     * follower's segment files match the leader's). Every entry must continue the log as
     * {@link #append} requires; that is checked for all of them before anything is written.
     *
     * <p>On a write error the run being written is cut back; runs written before it stay (they
     * are whole entries and the log's state says so), and the error is thrown as by {@link #append}.
     */
    public void appendFrames(FrameChunk chunk, int from, int to) throws IOException {
        checkWritable();
        Invariants.check(0 <= from && from <= to && to <= chunk.size(), "frames [%s,%s) outside a chunk of %s",
                from, to, chunk.size());
        long index = lastIndex;
        long offset = nextOffset;
        long term = lastTerm;
        for (int k = from; k < to; k++) {
            LogEntry e = chunk.entries().get(k);
            Invariants.check(e.raftIndex() == index + 1, "append index %d after last index %d", e.raftIndex(), index);
            Invariants.check(e.baseOffset() == offset, "append base offset %d but next offset is %d", e.baseOffset(), offset);
            Invariants.check(e.term() >= term, "append term %d below last term %d", e.term(), term);
            int size = chunk.bytesOf(k, k + 1);
            if (size > config.entryBytesMax()) {
                throw new IllegalArgumentException("entry frame of " + size + " bytes exceeds entryBytesMax "
                        + config.entryBytesMax());
            }
            index = e.raftIndex();
            offset = e.endOffset();
            term = e.term();
        }
        int k = from;
        while (k < to) {
            Segment active = segments[segments.length - 1];
            int first = chunk.bytesOf(k, k + 1);
            if (active.isSealed() || (!active.isEmpty() && (active.writtenBytes() + first > config.segmentBytesMax()
                    || config.clockMs().getAsLong() - active.createdMs() >= config.segmentMs()))) {
                active = roll();
            }
            // The run ends where appending one by one would roll: the next frame would overfill the segment.
            int j = k + 1;
            while (j < to && active.writtenBytes() + chunk.bytesOf(k, j + 1) <= config.segmentBytesMax()) {
                j++;
            }
            List<LogEntry> run = chunk.entries().subList(k, j);
            try {
                active.appendRun(chunk.slice(k, j), run, config.indexIntervalBytes());
            } catch (IOException e) {
                throw writeFailure("append to " + active.logPath(), e);
            }
            LogEntry last = run.get(run.size() - 1);
            lastTerm = last.term();
            nextOffset = last.endOffset();
            lastIndex = last.raftIndex();
            written = new Mark(active, last.raftIndex(), active.writtenBytes());
            k = j;
        }
        if (to > from) {
            requestFlush();
        }
    }

    /**
     * Seals the active segment when it is older than {@link LogConfig#segmentMs()} and not empty.
     * Appends check this too; call it periodically so that an idle partition's last segment
     * also seals (and becomes eligible for retention by age).
     */
    public boolean rollIfDue() throws IOException {
        checkWritable();
        Segment active = segments[segments.length - 1];
        if (!active.isEmpty() && config.clockMs().getAsLong() - active.createdMs() >= config.segmentMs()) {
            roll();
            return true;
        }
        return false;
    }

    /** Seals the active segment now (no-op when it is empty); for tests and operator commands. */
    public void rollNow() throws IOException {
        checkWritable();
        if (!segments[segments.length - 1].isEmpty()) {
            roll();
        }
    }

    private Segment roll() throws IOException {
        Segment active = segments[segments.length - 1];
        long startNanos = System.nanoTime();
        if (!active.isSealed()) {
            try {
                active.seal();
            } catch (IOException e) {
                throw writeFailure("seal " + active.logPath(), e);
            }
        }
        long sealedNanos = System.nanoTime();
        Segment next;
        try {
            next = createAfter(active, Arrays.asList(segments));
        } catch (IOException e) {
            // The sealed segment stays last; the next append tries to create its successor again.
            throw writeFailure("create segment after " + active.logPath(), e);
        }
        Segment[] grown = Arrays.copyOf(segments, segments.length + 1);
        grown[grown.length - 1] = next;
        segments = grown;
        long doneNanos = System.nanoTime();
        // A roll runs on the appending thread and holds up every append behind it; its time is
        // logged (rolls are rare: one per segmentBytesMax) so a latency spike can be matched to it.
        LOG.info("{}: rolled to segment {} in {} ms (seal {} ms, create {} ms)", dir, next.logPath().getFileName(),
                String.format(java.util.Locale.ROOT, "%.1f", (doneNanos - startNanos) / 1e6),
                String.format(java.util.Locale.ROOT, "%.1f", (sealedNanos - startNanos) / 1e6),
                String.format(java.util.Locale.ROOT, "%.1f", (doneNanos - sealedNanos) / 1e6));
        return next;
    }

    private StorageException writeFailure(String what, IOException e) {
        if (e instanceof StorageException se) {
            return se;
        }
        if (Disk.isDiskFull(e)) {
            LOG.warn("{}: disk full during {}; the log is unchanged and accepts appends once space is freed",
                    dir, what);
            return new DiskFullException("disk full during " + what, e);
        }
        return fail("write error during " + what, e);
    }

    // ================================================================ durability

    /**
     * Completes when every entry up to {@code raftIndex} is fsynced; never blocks. Completes on
     * the flusher thread (or immediately on the caller's if already durable). Completes
     * exceptionally with {@link LogFailedException} if an fsync fails, {@link LogTruncatedException}
     * if the entry is truncated first, {@link LogClosedException} if the log is closed first.
     *
     * @throws IllegalArgumentException when {@code raftIndex > lastIndex()}
     * @throws IllegalStateException    when more than {@link LogConfig#durableWaitersMax()} futures wait
     */
    public CompletableFuture<Void> whenDurable(long raftIndex) {
        LogFailedException f = failure;
        if (f != null) {
            return CompletableFuture.failedFuture(f);
        }
        if (raftIndex <= durableIndex) {
            return CompletableFuture.completedFuture(null);
        }
        if (raftIndex > lastIndex) {
            throw new IllegalArgumentException("whenDurable(" + raftIndex + ") beyond last index " + lastIndex);
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        synchronized (waiters) {
            // Re-checked under the lock the flusher takes after advancing durableIndex: no lost wake-up.
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            if (raftIndex <= durableIndex) {
                return CompletableFuture.completedFuture(null);
            }
            if (waiters.size() >= config.durableWaitersMax()) {
                throw new IllegalStateException("more than durableWaitersMax=" + config.durableWaitersMax()
                        + " futures waiting for durability on " + dir);
            }
            waiters.add(new Waiter(raftIndex, future));
        }
        requestFlush();
        return future;
    }

    /**
     * Sets a listener called on the flusher thread with the new durable index after each fsync
     * that advanced it (an alternative to one future per entry, e.g. to feed "persisted up to N"
     * to Raft). Not called when truncation lowers the durable index: the caller did that itself.
     */
    public void setDurableListener(LongConsumer listener) {
        this.durableListener = listener;
    }

    /** Highest Raft index known fsynced. */
    public long durableIndex() {
        return durableIndex;
    }

    private void requestFlush() {
        if (flushRequested.compareAndSet(false, true)) {
            flusher.request(this);
        }
    }

    /** Called on the flusher thread: one fsync covering everything written so far. */
    void flushOnce() {
        // Cleared before reading the mark: an append after this point enqueues the log again.
        flushRequested.set(false);
        long nowDurable;
        flushLock.lock();
        try {
            if (closed || failure != null) {
                return;
            }
            Mark m = written;
            if (m.raftIndex() <= durableIndex) {
                return;
            }
            // A sealed segment was fsynced whole when sealed (and may since be deleted): nothing to do.
            if (!m.segment().isSealed()) {
                m.segment().force();
                m.segment().markDurable(m.endBytes());
                flusher.countFsync();
            }
            durableIndex = m.raftIndex();
            nowDurable = m.raftIndex();
        } catch (IOException e) {
            fail("fsync failed", e);
            return;
        } finally {
            flushLock.unlock();
        }
        completeWaitersUpTo(nowDurable);
        LongConsumer l = durableListener;
        if (l != null) {
            l.accept(nowDurable);
        }
    }

    private void completeWaitersUpTo(long raftIndex) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (waiters) {
            while (!waiters.isEmpty() && waiters.peek().raftIndex() <= raftIndex) {
                done.add(waiters.poll().future());
            }
        }
        for (CompletableFuture<Void> f : done) {
            f.complete(null);
        }
    }

    private void failWaitersAbove(long raftIndex, Exception e) {
        List<CompletableFuture<Void>> doomed = new ArrayList<>();
        synchronized (waiters) {
            waiters.removeIf(w -> {
                if (w.raftIndex() > raftIndex) {
                    doomed.add(w.future());
                    return true;
                }
                return false;
            });
        }
        for (CompletableFuture<Void> f : doomed) {
            f.completeExceptionally(e);
        }
    }

    /**
     * Makes the log fail permanently. An fsync error is never retried: after a failed fsync the
     * kernel may have dropped the dirty pages, and a retry could "succeed" without the data.
     */
    private LogFailedException fail(String what, IOException cause) {
        synchronized (waiters) {
            if (failure == null) {
                failure = new LogFailedException(what + " on " + dir
                        + "; the log refuses all further writes and must be reopened after the disk is checked", cause);
                LOG.error("STORAGE FAILURE: {} on {}: the log is now failed; all waiters fail, no further appends",
                        what, dir, cause);
            }
        }
        failWaitersAbove(Long.MIN_VALUE, failure);
        return failure;
    }

    private void checkWritable() throws StorageException {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new LogClosedException("log " + dir + " is closed");
        }
    }

    // ================================================================ reads

    /**
     * Entries whose record range covers {@code offset}, then the following ones (control entries
     * included), up to about {@code maxBytes} of frames; at least one entry even if it is larger.
     * Empty when {@code offset >= nextOffset()}. CRCs are verified on every read.
     *
     * @throws OutOfRangeException  when {@code offset < logStartOffset()}
     * @throws CorruptLogException  when a frame is damaged
     */
    public List<LogEntry> readFromOffset(long offset, int maxBytes) throws IOException {
        structure.readLock().lock();
        try {
            checkOpen();
            Segment[] segs = segments;
            if (offset < segs[0].baseOffset()) {
                throw new OutOfRangeException("offset " + offset + " is below the log start " + segs[0].baseOffset());
            }
            List<LogEntry> out = new ArrayList<>();
            if (offset >= nextOffset) {
                return out;
            }
            int i = segs.length - 1;
            while (i > 0 && segs[i].baseOffset() > offset) {
                i--;
            }
            SparseIndex.Points p = segs[i].points();
            int slot = p.floorByOffset(offset);
            long start = slot < 0 ? 0 : p.positions()[slot];
            collect(segs, i, start, maxBytes, Integer.MAX_VALUE, e -> e.endOffset() > offset, out);
            return out;
        } finally {
            structure.readLock().unlock();
        }
    }

    /** The reads by Raft index refuse an index the log no longer holds (retention or a snapshot cut it). */
    private static void checkNotBelowStart(Segment[] segs, long raftIndex) throws OutOfRangeException {
        if (raftIndex < segs[0].firstRaftIndex()) {
            throw new OutOfRangeException("index " + raftIndex + " is below the first index "
                    + segs[0].firstRaftIndex());
        }
    }

    /**
     * Entries from {@code raftIndex} on, at most {@code maxEntries} and about {@code maxBytes}
     * (at least one entry). Empty when {@code raftIndex > lastIndex()}.
     *
     * @throws OutOfRangeException when {@code raftIndex < firstIndex()}
     */
    public List<LogEntry> readFromIndex(long raftIndex, int maxEntries, int maxBytes) throws IOException {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
        }
        structure.readLock().lock();
        try {
            checkOpen();
            Segment[] segs = segments;
            checkNotBelowStart(segs, raftIndex);
            List<LogEntry> out = new ArrayList<>();
            if (raftIndex > lastIndex) {
                return out;
            }
            int i = segmentForIndex(segs, raftIndex);
            SparseIndex.Points p = segs[i].points();
            int slot = p.floorByIndex(raftIndex);
            long start = slot < 0 ? 0 : p.positions()[slot];
            collect(segs, i, start, maxBytes, maxEntries, e -> e.raftIndex() >= raftIndex, out);
            return out;
        } finally {
            structure.readLock().unlock();
        }
    }

    /**
     * The frames of the entries from {@code raftIndex} on, as the bytes on disk: at most
     * {@code maxEntries} entries and about {@code maxBytes} (at least one entry, however large),
     * never past the end of the segment holding {@code raftIndex} (call again for the rest). One
     * positional read (two if the first frame is larger than expected); every frame's CRC is
     * checked, records are not decoded. Empty when {@code raftIndex > lastIndex()}.
     *
     * @throws OutOfRangeException when {@code raftIndex < firstIndex()}
     * @throws CorruptLogException when a frame is damaged
     */
    public FrameChunk readFramesFromIndex(long raftIndex, int maxEntries, int maxBytes) throws IOException {
        return readFramesFromIndex(raftIndex, maxEntries, maxBytes, true);
    }

    /**
     * As {@link #readFramesFromIndex(long, int, int)}; with {@code atLeastOne == false} the answer
     * is empty when the first frame alone exceeds {@code maxBytes}, for a caller filling the
     * rest of a budget that must not read a frame it will not use.
     */
    public FrameChunk readFramesFromIndex(long raftIndex, int maxEntries, int maxBytes, boolean atLeastOne)
            throws IOException {
        if (maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("maxEntries and maxBytes must be positive, got " + maxEntries + ", " + maxBytes);
        }
        structure.readLock().lock();
        try {
            checkOpen();
            Segment[] segs = segments;
            checkNotBelowStart(segs, raftIndex);
            if (raftIndex > lastIndex) {
                return FrameChunk.EMPTY;
            }
            Segment s = segs[segmentForIndex(segs, raftIndex)];
            SparseIndex.Points p = s.points();
            int slot = p.floorByIndex(raftIndex);
            long bufStart = slot < 0 ? 0 : p.positions()[slot];
            long limit = s.writtenBytes();
            // The index point may lie a little before the wanted frame (points are indexIntervalBytes apart).
            ByteBuffer buf = readAt(s, bufStart, (int) Math.min(limit - bufStart, (long) maxBytes + config.indexIntervalBytes()));
            List<LogEntry> entries = new ArrayList<>();
            List<Integer> starts = new ArrayList<>();
            int at = 0;
            long bytes = 0;
            while (bufStart + at < limit && entries.size() < maxEntries) {
                if (buf.limit() - at < FrameCodec.HEADER_BYTES) {
                    if (!entries.isEmpty()) {
                        break;
                    }
                    buf = readAt(s, bufStart + at, (int) Math.min(limit - bufStart - at, Math.max(maxBytes, FrameCodec.HEADER_BYTES)));
                    bufStart += at;
                    at = 0;
                    if (buf.limit() < Math.min(FrameCodec.HEADER_BYTES, limit - bufStart)) {
                        throw new CorruptLogException(s.logPath(), bufStart, "file ends before its written end " + limit);
                    }
                    continue;
                }
                int length = buf.getInt(at);
                if (length < FrameCodec.HEADER_BYTES - 4 || length > config.entryBytesMax() - 4) {
                    throw new CorruptLogException(s.logPath(), bufStart + at, "length field " + length + " out of range");
                }
                int size = length + 4;
                if (bufStart + at + size > limit) {
                    throw new CorruptLogException(s.logPath(), bufStart + at, "frame of " + size + " bytes runs past "
                            + "the written end " + limit);
                }
                boolean wanted = FrameCodec.raftIndexAt(buf, at) >= raftIndex;
                if (wanted && (!entries.isEmpty() || !atLeastOne) && bytes + size > maxBytes) {
                    if (entries.isEmpty()) {
                        return FrameChunk.EMPTY;
                    }
                    break;
                }
                if (at + size > buf.limit()) {
                    if (wanted && !entries.isEmpty()) {
                        break; // The next frame is not in the buffer; the caller asks again from there.
                    }
                    // Not one wanted frame yet: read again from this frame, big enough to hold it.
                    buf = readAt(s, bufStart + at, (int) Math.min(limit - bufStart - at, Math.max(maxBytes, size)));
                    bufStart += at;
                    at = 0;
                    if (buf.limit() < size) {
                        throw new CorruptLogException(s.logPath(), bufStart, "file ends before its written end " + limit);
                    }
                    continue;
                }
                if (FrameCodec.versionAt(buf, at) != FrameCodec.VERSION) {
                    throw new CorruptLogException(s.logPath(), bufStart + at, "unknown frame version "
                            + FrameCodec.versionAt(buf, at));
                }
                if (!FrameCodec.crcMatches(buf, at, size)) {
                    throw new CorruptLogException(s.logPath(), bufStart + at, "CRC32C mismatch");
                }
                if (wanted) {
                    if (entries.isEmpty()) {
                        Invariants.check(FrameCodec.raftIndexAt(buf, at) == raftIndex, "%s: index %s not found at its place (found %s)",
                                s.logPath(), raftIndex, FrameCodec.raftIndexAt(buf, at));
                    }
                    starts.add(at);
                    entries.add(FrameCodec.decode(buf, at, size));
                    bytes += size;
                }
                at += size;
            }
            Invariants.check(!entries.isEmpty(), "%s: no frame for index %s", s.logPath(), raftIndex);
            int first = starts.get(0);
            int[] rel = new int[starts.size() + 1];
            for (int k = 0; k < starts.size(); k++) {
                rel[k] = starts.get(k) - first;
            }
            rel[starts.size()] = at - first;
            ByteBuffer chunk = buf.slice(first, at - first);
            List<LogEntry> views = new ArrayList<>(entries.size());
            for (int k = 0; k < entries.size(); k++) {
                views.add(FrameCodec.decode(chunk, rel[k], rel[k + 1] - rel[k]));
            }
            return new FrameChunk(chunk, views, rel);
        } finally {
            structure.readLock().unlock();
        }
    }

    /** Reads {@code n} bytes at {@code position} of a segment's file; fewer only if the file is shorter. */
    private static ByteBuffer readAt(Segment s, long position, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(0, n));
        long at = position;
        while (b.hasRemaining()) {
            int r = s.channel().read(b, at);
            if (r < 0) {
                break;
            }
            at += r;
        }
        return b.flip();
    }

    private static int segmentForIndex(Segment[] segs, long raftIndex) {
        int i = segs.length - 1;
        while (i > 0 && segs[i].firstRaftIndex() > raftIndex) {
            i--;
        }
        return i;
    }

    private void collect(Segment[] segs, int from, long startPosition, int maxBytes, int maxEntries,
                         java.util.function.Predicate<LogEntry> wanted, List<LogEntry> out) throws IOException {
        long bytes = 0;
        long start = startPosition;
        int bufferBytes = Math.max(READ_BUFFER_BYTES_MIN, Math.min(READ_BUFFER_BYTES_MAX, maxBytes));
        for (int i = from; i < segs.length; i++) {
            Segment s = segs[i];
            long limit = s.writtenBytes();
            FrameScanner sc = new FrameScanner(s.channel(), start, limit, bufferBytes, config.entryBytesMax());
            start = 0;
            while (true) {
                FrameScanner.Kind k = sc.next();
                if (k == FrameScanner.Kind.END) {
                    break;
                }
                if (k != FrameScanner.Kind.FRAME) {
                    throw new CorruptLogException(s.logPath(), sc.position(), sc.problem());
                }
                LogEntry e = sc.entry();
                if (!wanted.test(e)) {
                    continue;
                }
                if (!out.isEmpty() && bytes + sc.frameBytes() > maxBytes) {
                    return;
                }
                out.add(e);
                bytes += sc.frameBytes();
                if (out.size() >= maxEntries || bytes >= maxBytes) {
                    return;
                }
            }
        }
    }

    /**
     * Term of the entry at {@code raftIndex}, from memory (the index holds a point at every term
     * change). {@code firstIndex() - 1} answers the term the log starts after (a snapshot's term).
     * Returns -1 when {@code raftIndex > lastIndex()}.
     *
     * @throws OutOfRangeException when {@code raftIndex < firstIndex() - 1}
     */
    public long termAt(long raftIndex) throws IOException {
        structure.readLock().lock();
        try {
            checkOpen();
            Segment[] segs = segments;
            if (raftIndex < segs[0].prevRaftIndex()) {
                throw new OutOfRangeException("index " + raftIndex + " is below the log start (first index "
                        + segs[0].firstRaftIndex() + ")");
            }
            if (raftIndex > lastIndex) {
                return -1;
            }
            if (raftIndex == segs[0].prevRaftIndex()) {
                return segs[0].prevTerm();
            }
            Segment s = segs[segmentForIndex(segs, raftIndex)];
            SparseIndex.Points p = s.points();
            int slot = p.floorByIndex(raftIndex);
            Invariants.check(slot >= 0, "no index point at or below %d in %s", raftIndex, s.logPath());
            return p.terms()[slot];
        } finally {
            structure.readLock().unlock();
        }
    }

    private void checkOpen() throws LogClosedException {
        if (closed) {
            throw new LogClosedException("log " + dir + " is closed");
        }
    }

    // ================================================================ truncation, retention, reset

    /**
     * Removes every entry with Raft index &ge; {@code fromRaftIndex} (a Raft conflict), possibly
     * across segments, durably: when this returns the removal survives a crash, and
     * {@link #durableIndex()} equals {@link #lastIndex()}. Waiters for removed entries fail with
     * {@link LogTruncatedException}. The next append continues at {@code fromRaftIndex} with the
     * removed entries' first offset, so offsets stay dense. No-op when {@code fromRaftIndex > lastIndex()}.
     *
     * @throws IllegalArgumentException when {@code fromRaftIndex < firstIndex()}
     */
    public void truncateSuffix(long fromRaftIndex) throws IOException {
        checkWritable();
        Segment[] segs = segments;
        if (fromRaftIndex < segs[0].firstRaftIndex()) {
            throw new IllegalArgumentException("cannot truncate from " + fromRaftIndex + ": below first index "
                    + segs[0].firstRaftIndex());
        }
        if (fromRaftIndex > lastIndex) {
            return;
        }
        structure.writeLock().lock();
        flushLock.lock();
        try {
            int k = segmentForIndex(segs, fromRaftIndex);
            // Newest first, so a crash part-way leaves a shorter but valid log.
            for (int i = segs.length - 1; i > k; i--) {
                segs[i].delete();
            }
            Disk.fsyncDirectory(dir);
            Segment s = segs[k];
            long[] at = locate(s, fromRaftIndex);
            s.truncateTo(at[0], at[1], at[2], at[3]);
            segments = Arrays.copyOf(segs, k + 1);
            lastIndex = at[1];
            lastTerm = at[2];
            nextOffset = at[3];
            written = new Mark(s, lastIndex, s.writtenBytes());
            // Everything left is fsynced: earlier segments when sealed, this one just now.
            durableIndex = lastIndex;
        } catch (IOException e) {
            throw fail("truncation from index " + fromRaftIndex + " failed", e);
        } finally {
            flushLock.unlock();
            structure.writeLock().unlock();
        }
        failWaitersAbove(lastIndex, new LogTruncatedException("entries from index " + fromRaftIndex
                + " were truncated before becoming durable"));
        completeWaitersUpTo(lastIndex);
    }

    /**
     * Position of the frame at {@code raftIndex} in {@code s}, and the state after the entry
     * before it: {position, lastIndex, lastTerm, nextOffset}.
     */
    private long[] locate(Segment s, long raftIndex) throws IOException {
        if (raftIndex == s.firstRaftIndex()) {
            return new long[] {0, s.prevRaftIndex(), s.prevTerm(), s.baseOffset()};
        }
        SparseIndex.Points p = s.points();
        int slot = p.floorByIndex(raftIndex - 1);
        long start = slot < 0 ? 0 : p.positions()[slot];
        FrameScanner sc = new FrameScanner(s.channel(), start, s.writtenBytes(), 64 << 10, config.entryBytesMax());
        while (sc.next() == FrameScanner.Kind.FRAME) {
            LogEntry e = sc.entry();
            if (e.raftIndex() == raftIndex - 1) {
                return new long[] {sc.position(), e.raftIndex(), e.term(), e.endOffset()};
            }
        }
        throw new CorruptLogException(s.logPath(), sc.position(), "entry " + (raftIndex - 1)
                + " not found while truncating: " + sc.problem());
    }

    /**
     * Deletes whole sealed segments whose records all lie below {@code offset} (oldest first);
     * never the active segment, never part of a segment. Raises {@link #logStartOffset()} and
     * {@link #firstIndex()} to the first remaining segment.
     */
    public Deletion deleteSegmentsBefore(long offset) throws IOException {
        checkWritable();
        structure.writeLock().lock();
        flushLock.lock();
        int count = 0;
        long bytes = 0;
        try {
            Segment[] segs = segments;
            while (count < segs.length - 1 && segs[count].isSealed() && segs[count].endOffset() <= offset) {
                Segment s = segs[count];
                bytes += s.diskBytes();
                s.delete();
                count++;
            }
            if (count > 0) {
                segments = Arrays.copyOfRange(segs, count, segs.length);
                Disk.fsyncDirectory(dir);
                LOG.info("{}: retention deleted {} segments ({} bytes) below offset {}; log starts at {}", dir,
                        count, bytes, offset, segments[0].baseOffset());
            }
        } finally {
            flushLock.unlock();
            structure.writeLock().unlock();
        }
        return new Deletion(count, bytes);
    }

    /**
     * Drops every entry and restarts the log empty: the next append has Raft index
     * {@code nextRaftIndex} and base offset {@code nextOffset}; {@code termAt(nextRaftIndex - 1)}
     * answers {@code term}. Used when a follower installs a snapshot. Durable when it returns; a
     * crash part-way is completed on the next open (a marker file records the intent first).
     */
    public void resetTo(long nextRaftIndex, long nextOffset, long term) throws IOException {
        checkWritable();
        if (nextRaftIndex < 1 || nextOffset < 0 || term < 0) {
            throw new IllegalArgumentException(String.format("bad reset point: index %d offset %d term %d",
                    nextRaftIndex, nextOffset, term));
        }
        structure.writeLock().lock();
        flushLock.lock();
        try {
            AtomicStateFile marker = new AtomicStateFile(dir.resolve(RESET_FILE));
            marker.write(ByteBuffer.allocate(24).putLong(nextRaftIndex).putLong(nextOffset).putLong(term).array());
            for (Segment s : segments) {
                s.close();
            }
            Segment fresh = resetFiles(nextRaftIndex, nextOffset, term);
            marker.delete();
            segments = new Segment[] {fresh};
            lastIndex = nextRaftIndex - 1;
            lastTerm = term;
            this.nextOffset = nextOffset;
            written = new Mark(fresh, lastIndex, 0);
            durableIndex = lastIndex;
        } catch (IOException e) {
            throw fail("reset to index " + nextRaftIndex + " failed", e);
        } finally {
            flushLock.unlock();
            structure.writeLock().unlock();
        }
        failWaitersAbove(Long.MIN_VALUE, new LogTruncatedException("log reset to index " + nextRaftIndex));
    }

    /** Deletes every segment file in the directory and creates the single empty one of a reset. */
    private Segment resetFiles(long nextRaftIndex, long nextOffset, long term) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String f = p.getFileName().toString();
                if (f.endsWith(Segment.LOG_SUFFIX) || f.endsWith(Segment.INDEX_SUFFIX)) {
                    Files.delete(p);
                }
            }
        }
        Disk.fsyncDirectory(dir);
        return Segment.create(io, dir, new Segment.Name(nextOffset, -1).text(), nextOffset, nextRaftIndex - 1, term,
                config.clockMs().getAsLong(), 0);
    }

    // ================================================================ verification and accounting

    /**
     * Scrubs every sealed segment: reads each frame, verifies its CRC and the sequence, and
     * checks the result against the index footer. Runs on the caller's thread; appends may go
     * on meanwhile (it holds the read lock). Returns the number of bytes verified.
     *
     * @throws CorruptLogException at the first damage found
     */
    public long verifySealed() throws IOException {
        structure.readLock().lock();
        try {
            checkOpen();
            long verified = 0;
            for (Segment s : segments) {
                if (!s.isSealed()) {
                    continue;
                }
                // One scanner for both scrubs: the same frame, sequence and footer checks as findDamage.
                Optional<LogDamage> damage = damageIn(s);
                if (damage.isPresent()) {
                    LogDamage d = damage.get();
                    throw new CorruptLogException(d.file(), d.position(), d.problem());
                }
                verified += s.writtenBytes();
            }
            return verified;
        } finally {
            structure.readLock().unlock();
        }
    }

    /**
     * Scrubs every segment, oldest first (sealed ones and the active one up to what is written),
     * and returns the first damage: the first entry whose frame fails its CRC or breaks the
     * sequence. Each segment is read under the read lock on its own, so appends go on and a long
     * scrub never holds truncation or retention back for more than one segment. Runs on the
     * caller's thread (any thread).
     */
    public Optional<LogDamage> findDamage() throws IOException {
        return findDamage(bytes -> { });
    }

    /**
     * As {@link #findDamage()}, calling {@code afterSegment} with the bytes of each intact segment
     * once it is scanned (outside the lock), so a background scrub can pace itself.
     */
    public Optional<LogDamage> findDamage(LongConsumer afterSegment) throws IOException {
        for (Segment s : segments) {
            Optional<LogDamage> d = damageInLiveSegment(s);
            if (d.isPresent()) {
                return d;
            }
            afterSegment.accept(s.writtenBytes());
        }
        return Optional.empty();
    }

    /**
     * As {@link #findDamage()}, for the one segment whose log file is {@code logFile} (the file a
     * {@link CorruptLogException} names). Empty when the file is intact or no longer part of the log
     * (truncated or deleted since the read that failed).
     */
    public Optional<LogDamage> findDamage(Path logFile) throws IOException {
        for (Segment s : segments) {
            if (s.logPath().equals(logFile)) {
                return damageInLiveSegment(s);
            }
        }
        return Optional.empty();
    }

    private Optional<LogDamage> damageInLiveSegment(Segment s) throws IOException {
        structure.readLock().lock();
        try {
            checkOpen();
            boolean live = false;
            for (Segment t : segments) {
                live |= t == s;
            }
            // Truncated, reset or deleted meanwhile: what it held is gone, and so is its damage.
            return live ? damageIn(s) : Optional.empty();
        } finally {
            structure.readLock().unlock();
        }
    }

    private Optional<LogDamage> damageIn(Segment s) throws IOException {
        boolean sealed = s.isSealed();
        long limit = s.writtenBytes();
        FrameScanner sc = new FrameScanner(s.channel(), 0, limit, SCRUB_BUFFER_BYTES, config.entryBytesMax());
        long expectIndex = s.firstRaftIndex();
        long expectOffset = s.baseOffset();
        while (true) {
            FrameScanner.Kind k = sc.next();
            if (k == FrameScanner.Kind.END) {
                break;
            }
            if (k != FrameScanner.Kind.FRAME) {
                return Optional.of(new LogDamage(s.logPath(), sc.position(), expectIndex, sc.problem()));
            }
            LogEntry e = sc.entry();
            if (e.raftIndex() != expectIndex || e.baseOffset() != expectOffset) {
                return Optional.of(new LogDamage(s.logPath(), sc.framePosition(), expectIndex, "entry (index "
                        + e.raftIndex() + ", offset " + e.baseOffset() + ") where (" + expectIndex + ", "
                        + expectOffset + ") was expected"));
            }
            expectIndex++;
            expectOffset = e.endOffset();
        }
        if (sealed && (expectIndex - 1 != s.lastRaftIndex() || expectOffset != s.endOffset())) {
            return Optional.of(new LogDamage(s.logPath(), limit, expectIndex, "segment ends at (index "
                    + (expectIndex - 1) + ", offset " + expectOffset + ") but its footer says (" + s.lastRaftIndex()
                    + ", " + s.endOffset() + ")"));
        }
        return Optional.empty();
    }

    /** Bytes of all segment and index files (for retention by size and a disk budget). */
    public long diskBytes() {
        long total = 0;
        for (Segment s : segments) {
            total += s.diskBytes();
        }
        return total;
    }

    /** One description per segment, oldest first. Owner thread (reads writer-side segment state). */
    public List<SegmentInfo> segmentInfos() {
        List<SegmentInfo> out = new ArrayList<>();
        for (Segment s : segments) {
            out.add(new SegmentInfo(s.baseOffset(), s.endOffset(), s.firstRaftIndex(), s.lastRaftIndex(),
                    s.maxTimestampMs(), s.diskBytes(), s.isSealed()));
        }
        return out;
    }

    public Path directory() {
        return dir;
    }

    /** Raft index of the last written entry ({@code firstIndex() - 1} when empty). */
    public long lastIndex() {
        return lastIndex;
    }

    /** Term of the last written entry (or the term the log starts after, when empty). */
    public long lastTerm() {
        return lastTerm;
    }

    /** Offset the next record will get. */
    public long nextOffset() {
        return nextOffset;
    }

    /** Raft index of the first entry held (after retention or a reset, above 1). */
    public long firstIndex() {
        return segments[0].firstRaftIndex();
    }

    /** Offset of the first record held. */
    public long logStartOffset() {
        return segments[0].baseOffset();
    }

    /** Bytes of the active segment that the open scanned (bounded by the index interval plus one frame). */
    public long recoveryScannedBytes() {
        return recoveryScannedBytes;
    }

    /** Bytes of torn tail that the open cut off. */
    public long recoveryTruncatedBytes() {
        return recoveryTruncatedBytes;
    }

    /** The failure that stopped this log, or null. */
    public LogFailedException failure() {
        return failure;
    }

    /**
     * Test seam: drops the log the way a crash does (no fsync; files closed), so a test can cut
     * the files back to what a power loss could leave and reopen.
     */
    void crashForTest() throws IOException {
        structure.writeLock().lock();
        flushLock.lock();
        try {
            closed = true;
            for (Segment s : segments) {
                s.close();
            }
        } finally {
            flushLock.unlock();
            structure.writeLock().unlock();
        }
        failWaitersAbove(Long.MIN_VALUE, new LogClosedException("crashed"));
    }

    /**
     * Fsyncs what is written, completes the waiters it covers and fails the rest with
     * {@link LogClosedException}, then closes the files. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        structure.writeLock().lock();
        flushLock.lock();
        long synced = durableIndex;
        IOException error = null;
        try {
            if (failure == null) {
                try {
                    Segment active = segments[segments.length - 1];
                    if (!active.isSealed()) {
                        active.syncForClose();
                    }
                    durableIndex = lastIndex;
                    synced = lastIndex;
                } catch (IOException e) {
                    error = fail("fsync on close failed", e);
                }
            }
            closed = true;
            for (Segment s : segments) {
                try {
                    s.close();
                } catch (IOException e) {
                    error = error == null ? e : error;
                }
            }
        } finally {
            flushLock.unlock();
            structure.writeLock().unlock();
        }
        completeWaitersUpTo(synced);
        failWaitersAbove(synced, new LogClosedException("log " + dir + " closed"));
        if (error != null) {
            throw error;
        }
    }
}
