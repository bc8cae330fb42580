package io.cairn.server.cluster.metadata;

import io.cairn.storage.DurableFiles;
import io.cairn.core.Invariants;
import io.cairn.core.NodeId;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.HardState;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.RaftStorage;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;
import io.cairn.storage.AtomicStateFile;
import io.cairn.storage.Flusher;
import io.cairn.storage.LogConfig;
import io.cairn.storage.LogEntry;
import io.cairn.storage.SegmentLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The metadata group's Raft log: entries in a {@link SegmentLog} (control entries, no records),
 * term/vote/commit in an {@link AtomicStateFile}. The log is never compacted: metadata changes are
 * rare (topic and membership changes), so replaying it on start is cheap, and a joining node gets
 * the whole history instead of a snapshot. Bound: {@link #ENTRIES_MAX}.
 *
 * <p>Owned by the metadata thread; {@link RaftStorage} methods are called only from it.
 */
final class MetadataLog implements RaftStorage, AutoCloseable {
    /** Metadata changes accepted over a cluster's life before the log refuses more (documented bound). */
    static final long ENTRIES_MAX = 10_000_000;

    private final SegmentLog log;
    private final AtomicStateFile hardStateFile;
    private final Membership bootstrap;
    private HardState hardState;

    MetadataLog(Path dir, Flusher flusher, Membership bootstrap) throws IOException {
        DurableFiles.createDirectories(dir);
        this.log = SegmentLog.open(dir.resolve("log"), LogConfig.defaults().withSegmentBytesMax(16L << 20), flusher);
        this.hardStateFile = new AtomicStateFile(dir.resolve("hardstate"));
        this.bootstrap = bootstrap;
        Optional<byte[]> hs = hardStateFile.read();
        this.hardState = hs.map(MetadataLog::decodeHardState).orElse(HardState.EMPTY);
    }

    @Override
    public InitialState initialState() {
        return new InitialState(hardState, bootstrap, 0);
    }

    @Override
    public long firstIndex() {
        return log.firstIndex();
    }

    @Override
    public long lastIndex() {
        return log.lastIndex();
    }

    @Override
    public long term(long index) {
        try {
            long t = log.termAt(index);
            Invariants.check(t >= 0, "metadata log has no term at %s (last %s)", index, log.lastIndex());
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        try {
            int max = (int) Math.min(Integer.MAX_VALUE, toIndexExclusive - fromIndex);
            List<LogEntry> read = log.readFromIndex(fromIndex, max, (int) Math.min(Integer.MAX_VALUE, maxBytes));
            List<Entry> out = new ArrayList<>(read.size());
            for (LogEntry e : read) {
                if (e.raftIndex() >= toIndexExclusive) break;
                out.add(new Entry(e.term(), e.raftIndex(), EntryType.fromCode(e.type()), e.payloadArray()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Snapshot snapshot() {
        return new Snapshot(new SnapshotMetadata(0, 0, bootstrap), new byte[0]);
    }

    /** Drops entries from {@code index} on (a Raft conflict); durable when it returns. */
    void truncateFrom(long index) throws IOException {
        log.truncateSuffix(index);
    }

    void append(List<Entry> entries) throws IOException {
        for (Entry e : entries) {
            if (e.index() > ENTRIES_MAX) {
                throw new IllegalStateException("metadata log reached its bound of " + ENTRIES_MAX + " entries");
            }
            log.append(new LogEntry((byte) e.type().code(), e.term(), e.index(), 0, 0, 0, 0, ByteBuffer.wrap(e.data())));
        }
    }

    void saveHardState(HardState hs) throws IOException {
        hardStateFile.write(encodeHardState(hs));
        hardState = hs;
    }

    /** Blocks until every appended entry is fsynced. Metadata writes are rare, so waiting is fine here. */
    void sync() throws IOException {
        if (log.lastIndex() < log.firstIndex()) return;
        try {
            log.whenDurable(log.lastIndex()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the metadata log fsync", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("metadata log fsync failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    long lastTerm() {
        return log.lastTerm();
    }

    private static byte[] encodeHardState(HardState hs) {
        String vote = hs.votedFor() == null ? "" : hs.votedFor().value();
        return (hs.term() + "\n" + vote + "\n" + hs.commit() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static HardState decodeHardState(byte[] b) {
        String[] parts = new String(b, StandardCharsets.UTF_8).split("\n", -1);
        Invariants.check(parts.length >= 3, "malformed metadata hard state");
        return new HardState(Long.parseLong(parts[0]), parts[1].isEmpty() ? null : NodeId.of(parts[1]),
                Long.parseLong(parts[2]));
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
