package io.cairn.server.replica;

import io.cairn.core.Invariants;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.RaftStorage;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;
import io.cairn.storage.FrameChunk;
import io.cairn.storage.LogEntry;
import io.cairn.storage.SegmentLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Raft core's view of one replica's stable storage: entries come straight from the
 * partition's {@link SegmentLog} (no second copy), the snapshot from the {@code raft-snapshot}
 * file.
 *
 * <p>The log may physically start before the snapshot index (retention deletes whole segments
 * only); those entries are hidden from Raft, which sees {@code firstIndex() == snapshot index + 1}
 * as its contract requires. Consumers still read their records by offset.
 *
 * <p>Owned by the replica's group thread, like the RaftNode that calls it. Storage failures
 * surface as {@link UncheckedIOException}, which stops the replica.
 */
final class RaftLogView implements RaftStorage {
    private final SegmentLog log;
    private final SnapshotFile snapshotFile;
    private InitialState initialState;
    private SnapshotMetadata snapshotMeta;
    private ReplicationFrames frames;
    /** Entries appended last, so the core's reads of them right after they are durable skip the disk. */
    private final RecentEntries recent;
    /** Entries {@link #entries} served from {@link #recent} and read from the segment log (tests, reports). */
    private long entriesFromMemory;
    private long entriesFromDisk;

    RaftLogView(SegmentLog log, SnapshotFile snapshotFile, SnapshotMetadata snapshotMeta, InitialState initialState) {
        this(log, snapshotFile, snapshotMeta, initialState, new RecentEntries(RecentEntries.BYTES_MAX_DEFAULT));
    }

    RaftLogView(SegmentLog log, SnapshotFile snapshotFile, SnapshotMetadata snapshotMeta, InitialState initialState,
                RecentEntries recent) {
        this.recent = recent;
        this.log = log;
        this.snapshotFile = snapshotFile;
        this.snapshotMeta = snapshotMeta;
        this.initialState = initialState;
        checkShape();
    }

    /** The empty snapshot a new group starts from. */
    static SnapshotMetadata emptySnapshot(Membership bootstrap) {
        return new SnapshotMetadata(0, 0, bootstrap);
    }

    void setInitialState(InitialState initialState) {
        this.initialState = initialState;
    }

    /** Called after a new raft-snapshot file is durable (before segments below it are deleted). */
    void setSnapshot(SnapshotMetadata meta) {
        Invariants.check(meta.index() >= snapshotMeta.index(), "raft snapshot moved back from %s to %s",
                snapshotMeta.index(), meta.index());
        this.snapshotMeta = meta;
        checkShape();
    }

    SnapshotMetadata snapshotMetadata() {
        return snapshotMeta;
    }

    private void checkShape() {
        // Entries after the snapshot must all be in the log, or Raft would see a hole.
        Invariants.check(log.firstIndex() <= snapshotMeta.index() + 1,
                "log starts at index %s, after the snapshot's next index %s", log.firstIndex(), snapshotMeta.index() + 1);
        Invariants.check(log.lastIndex() >= snapshotMeta.index(),
                "log ends at index %s, before the snapshot index %s", log.lastIndex(), snapshotMeta.index());
    }

    @Override
    public InitialState initialState() {
        return initialState;
    }

    @Override
    public long firstIndex() {
        return snapshotMeta.index() + 1;
    }

    @Override
    public long lastIndex() {
        return Math.max(log.lastIndex(), snapshotMeta.index());
    }

    @Override
    public long term(long index) {
        if (index == snapshotMeta.index()) {
            return snapshotMeta.term();
        }
        try {
            long term = log.termAt(index);
            Invariants.check(term >= 0, "no term for index %s (log ends at %s)", index, log.lastIndex());
            return term;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where chunks read for the core are remembered, so appends can carry them as they are; null for none. */
    void setFrames(ReplicationFrames frames) {
        this.frames = frames;
    }

    // ---------------------------------------------------------------- changes to the log

    /** {@code entries} were just appended to the log (by the group thread, after the write returned). */
    void appended(List<Entry> entries) {
        recent.appended(entries);
    }

    /**
     * Cuts the log from {@code fromIndex} on, and the recent entries with it: a follower whose
     * suffix is replaced must apply the new leader's entries, never the cached old ones.
     */
    void truncateSuffix(long fromIndex) throws IOException {
        recent.truncateFrom(fromIndex);
        log.truncateSuffix(fromIndex);
    }

    /**
     * The log was changed below its end other than by {@link #truncateSuffix} (reset for a
     * snapshot, cut by a repair, rebuilt after a full disk): forget every recent entry.
     */
    void dropRecent() {
        recent.clear();
    }

    /** Recent entries up to {@code index} are applied here and held by every follower: free them. */
    void recentNotNeededThrough(long index) {
        recent.dropThrough(index);
    }

    long recentBytes() {
        return recent.bytes();
    }

    long entriesFromMemory() {
        return entriesFromMemory;
    }

    long entriesFromDisk() {
        return entriesFromDisk;
    }

    // ---------------------------------------------------------------- reads for the core

    /**
     * Entries appended recently come from memory ({@link RecentEntries}); they have no frames, so
     * an append to a follower that carries them is encoded as a fresh proposal's is. Older ones
     * are read as whole frames ({@link SegmentLog#readFramesFromIndex}) with only their headers
     * decoded; those chunks are remembered in {@link ReplicationFrames} so an append to a
     * follower (a catch-up) can carry the same bytes.
     */
    @Override
    public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        Invariants.check(fromIndex >= firstIndex() && toIndexExclusive <= lastIndex() + 1 && fromIndex < toIndexExclusive,
                "entries [%s,%s) outside the log [%s,%s]", fromIndex, toIndexExclusive, firstIndex(), lastIndex());
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        long next = fromIndex;
        try {
            if (recent.holds(fromIndex)) {
                long logLast = log.lastIndex();
                for (Entry e; next < toIndexExclusive && (e = recent.get(next)) != null; next++) {
                    // The log is the truth: an entry held here that the log no longer has (at this
                    // index with this term) was cut by a path that did not tell us. Never serve it.
                    if (next > logLast || log.termAt(next) != e.term()) {
                        recent.clear();
                        break;
                    }
                    if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                        entriesFromMemory += out.size();
                        return out;
                    }
                    out.add(e);
                    bytes += e.sizeBytes();
                }
                entriesFromMemory += out.size();
                if (next >= toIndexExclusive || bytes >= maxBytes) {
                    return out;
                }
            }
            while (next < toIndexExclusive) {
                int maxEntries = (int) Math.min(toIndexExclusive - next, 4096);
                int readBytes = (int) Math.max(1, Math.min(maxBytes - bytes, 8L << 20));
                // After the first entry, a frame that does not fit the rest of the budget is not read at all.
                FrameChunk chunk = log.readFramesFromIndex(next, maxEntries, readBytes, out.isEmpty());
                if (chunk.isEmpty() && !out.isEmpty()) {
                    return out;
                }
                Invariants.check(!chunk.isEmpty(), "no entry at index %s (log ends at %s)", next, log.lastIndex());
                int taken = 0;
                boolean full = false;
                for (LogEntry f : chunk.entries()) {
                    Invariants.check(f.raftIndex() == next, "read index %s where %s was expected", f.raftIndex(), next);
                    Entry e = EntryFrames.toEntry(f);
                    if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                        full = true;
                        break;
                    }
                    out.add(e);
                    bytes += e.sizeBytes();
                    next++;
                    taken++;
                    entriesFromDisk++;
                    if (next >= toIndexExclusive) {
                        full = true;
                        break;
                    }
                }
                if (frames != null) {
                    frames.handedOut(chunk.sub(0, taken));
                }
                // Entries of one log tend to be alike in size: when the rest of the budget is smaller
                // than the last entry, reading on would most likely fetch a frame only to drop it.
                if (full || bytes >= maxBytes || maxBytes - bytes < out.get(out.size() - 1).sizeBytes()) {
                    return out;
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Snapshot snapshot() {
        if (snapshotMeta.index() == 0) {
            return new Snapshot(snapshotMeta, new byte[0]);
        }
        try {
            Snapshot s = snapshotFile.read().orElseThrow(() -> new IOException(snapshotFile.path() + " is missing"));
            Invariants.check(s.metadata().equals(snapshotMeta), "%s holds %s, expected %s",
                    snapshotFile.path(), s.metadata(), snapshotMeta);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
