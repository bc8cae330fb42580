package io.cairn.server.replica;

import io.cairn.core.Invariants;
import io.cairn.core.raft.Snapshot;
import io.cairn.storage.Deletion;
import io.cairn.storage.DiskFullException;
import io.cairn.storage.SegmentInfo;
import io.cairn.storage.SegmentLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * When a replica's state-machine snapshots are written, and what may be deleted after them
 * (group thread only).
 *
 * <ul>
 *   <li>Checkpoints every {@link ReplicaOptions#checkpointIntervalBytes()} of applied entries
 *       and on close bound how much log a restart replays.</li>
 *   <li>Before retention deletes segments, the state is written as both the Raft snapshot and a
 *       checkpoint, so the group offsets, the dedupe window and the log start are not lost with
 *       the segments; only then are whole sealed segments covered by it deleted.</li>
 * </ul>
 */
final class SnapshotKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotKeeper.class);

    private final String name;
    private final SnapshotFile raftSnapshotFile;
    private final SnapshotFile checkpointFile;
    private final long checkpointIntervalBytes;
    private long checkpointIndex;
    private long appliedBytesSinceCheckpoint;
    private long lastCheckpointBytes;
    private boolean deletionPending;

    SnapshotKeeper(String name, Path dir, long checkpointIntervalBytes) {
        this.name = name;
        this.raftSnapshotFile = new SnapshotFile(dir, SnapshotFile.RAFT_SNAPSHOT);
        this.checkpointFile = new SnapshotFile(dir, SnapshotFile.CHECKPOINT);
        this.checkpointIntervalBytes = checkpointIntervalBytes;
    }

    SnapshotFile raftSnapshotFile() {
        return raftSnapshotFile;
    }

    SnapshotFile checkpointFile() {
        return checkpointFile;
    }

    /** The state restored on open was applied up to {@code index}. */
    void restoredAt(long index) {
        checkpointIndex = index;
    }

    void applied(long entryBytes) {
        appliedBytesSinceCheckpoint += entryBytes;
    }

    boolean checkpointDue(long appliedIndex) {
        long interval = Math.max(checkpointIntervalBytes, 4 * lastCheckpointBytes);
        return appliedBytesSinceCheckpoint >= interval && appliedIndex > checkpointIndex;
    }

    boolean hasUncheckpointedState(long appliedIndex) {
        return appliedIndex > checkpointIndex;
    }

    boolean deletionPending() {
        return deletionPending;
    }

    /** Writes a checkpoint; a failure only means a longer replay, so it is logged, not thrown. */
    void writeCheckpoint(Snapshot s) {
        appliedBytesSinceCheckpoint = 0;
        try {
            checkpointFile.write(s);
            checkpointIndex = s.index();
            lastCheckpointBytes = s.data().length;
        } catch (IOException e) {
            LOG.warn("{}: checkpoint at index {} not written: {}", name, s.index(), e.toString());
        }
    }

    /** A snapshot from the leader replaces the state: it is both the Raft snapshot and the checkpoint. */
    void installed(Snapshot s) throws IOException {
        raftSnapshotFile.write(s);
        checkpointFile.write(s);
        checkpointIndex = s.index();
        appliedBytesSinceCheckpoint = 0;
    }

    /**
     * Snapshot first, then delete the sealed segments below {@code logStart} that the snapshot
     * covers. With no room for the snapshot, nothing is deleted and {@link #deletionPending()}
     * asks the caller to try again later.
     */
    Deletion compactAndDelete(Snapshot s, SegmentLog log, RaftLogView view, long logStart) throws IOException {
        try {
            raftSnapshotFile.write(s);
            checkpointFile.write(s);
        } catch (DiskFullException e) {
            deletionPending = true;
            LOG.warn("{}: no room for the snapshot that must precede segment deletion; will retry", name);
            return new Deletion(0, 0);
        }
        checkpointIndex = s.index();
        appliedBytesSinceCheckpoint = 0;
        deletionPending = false;
        view.setSnapshot(s.metadata());
        long floor = deletionFloor(log.segmentInfos(), logStart, s.index());
        if (floor <= log.logStartOffset()) {
            return new Deletion(0, 0);
        }
        Deletion d = log.deleteSegmentsBefore(floor);
        // Raft must still find every entry after its snapshot.
        Invariants.check(log.firstIndex() <= s.index() + 1, "deleted entries after the snapshot index %s (log starts at %s)",
                s.index(), log.firstIndex());
        return d;
    }

    /**
     * The largest offset such that every sealed segment wholly below it is below the log start and
     * covered by the snapshot at {@code snapshotIndex}; 0 when there is none.
     */
    static long deletionFloor(List<SegmentInfo> segments, long logStart, long snapshotIndex) {
        int n = 0;
        while (n < segments.size()) {
            SegmentInfo s = segments.get(n);
            if (!s.sealed() || s.endOffset() > logStart || s.lastRaftIndex() > snapshotIndex) {
                break;
            }
            n++;
        }
        // Storage deletes every sealed segment whose records lie below the floor, including a
        // record-less one starting at it: shrink the prefix until no such segment is uncovered.
        while (n > 0) {
            long floor = segments.get(n - 1).endOffset();
            boolean safe = true;
            for (int i = n; i < segments.size(); i++) {
                SegmentInfo s = segments.get(i);
                if (s.sealed() && s.endOffset() <= floor && s.lastRaftIndex() > snapshotIndex) {
                    safe = false;
                    break;
                }
            }
            if (safe) {
                return floor;
            }
            n--;
        }
        return 0;
    }
}
