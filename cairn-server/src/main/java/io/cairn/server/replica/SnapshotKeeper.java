package io.cairn.server.replica;

import io.cairn.core.Invariants;
import io.cairn.core.partition.PartitionLimits;
import io.cairn.core.partition.PartitionStateMachine;
import io.cairn.core.raft.ConfigChange;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;
import io.cairn.storage.Deletion;
import io.cairn.storage.DiskFullException;
import io.cairn.storage.LogEntry;
import io.cairn.storage.SegmentInfo;
import io.cairn.storage.SegmentLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * When a replica's state-machine snapshots are written, and what may be deleted after them
 * (group thread only).
 *
 * <ul>
 *   <li>Checkpoints every {@link ReplicaOptions#checkpointIntervalBytes()} of applied entries
 *       and on close bound how much log a restart replays.</li>
 *   <li>Before retention deletes segments, the current state is written as a checkpoint and the
 *       state at the deletion boundary as the Raft snapshot, so the group offsets, the dedupe
 *       window and the log start are not lost with the segments; only then are whole sealed
 *       segments covered by them deleted.</li>
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

    /**
     * A repair cuts the log before {@code index}: a checkpoint at or past it would be state the
     * log no longer backs, so it is deleted (durably) and the next restore falls back to the Raft
     * snapshot or an empty state.
     */
    void discardCheckpointFrom(long index) throws IOException {
        Optional<Snapshot> c = checkpointFile.read();
        if (c.isPresent() && c.get().index() >= index) {
            checkpointFile.delete();
            LOG.info("{}: discarded the checkpoint at index {} (the log is cut before {})", name, c.get().index(), index);
        }
        checkpointIndex = 0;
        appliedBytesSinceCheckpoint = 0;
    }

    /** A snapshot from the leader replaces the state: it is both the Raft snapshot and the checkpoint. */
    void installed(Snapshot s) throws IOException {
        raftSnapshotFile.write(s);
        checkpointFile.write(s);
        checkpointIndex = s.index();
        appliedBytesSinceCheckpoint = 0;
    }

    /**
     * After the log start rose to {@code logStart} (state {@code current}, at the delete-before
     * entry): write {@code current} as the checkpoint, then the Raft snapshot at the last index of
     * the segments about to go, then delete them.
     *
     * <p>The Raft snapshot sits exactly at the deletion boundary, not at the current index: a
     * follower that installs it then receives every entry the leader still holds, so its log is
     * the same as the leader's and a record above the log start stays readable after a failover.
     * The state at the boundary is rebuilt by replaying the segments being deleted on top of the
     * previous Raft snapshot. With no room for the files, nothing is deleted and
     * {@link #deletionPending()} asks the caller to try again later.
     */
    Deletion compactAndDelete(Snapshot current, SegmentLog log, RaftLogView view, long logStart,
                              PartitionLimits limits) throws IOException {
        Floor floor = deletionFloor(log.segmentInfos(), logStart, current.index());
        try {
            checkpointFile.write(current);
            checkpointIndex = current.index();
            appliedBytesSinceCheckpoint = 0;
            if (floor.offset() <= log.logStartOffset() || floor.lastIndex() <= view.snapshotMetadata().index()) {
                deletionPending = false;
                return new Deletion(0, 0);
            }
            Snapshot boundary = stateAt(floor.lastIndex(), log, view, limits);
            raftSnapshotFile.write(boundary);
            view.setSnapshot(boundary.metadata());
        } catch (DiskFullException e) {
            deletionPending = true;
            LOG.warn("{}: no room for the snapshot that must precede segment deletion; will retry", name);
            return new Deletion(0, 0);
        }
        deletionPending = false;
        Deletion d = log.deleteSegmentsBefore(floor.offset());
        // Raft must still find every entry after its snapshot, and nothing the snapshot covers is
        // still needed by it.
        Invariants.check(log.firstIndex() == floor.lastIndex() + 1, "after deleting below offset %s the log starts at "
                + "index %s, not at the snapshot's next index %s", floor.offset(), log.firstIndex(), floor.lastIndex() + 1);
        return d;
    }

    /**
     * The state machine and membership at {@code index}: the previous Raft snapshot plus the log
     * entries after it, replayed (keys and values are not decoded).
     */
    static Snapshot stateAt(long index, SegmentLog log, RaftLogView view, PartitionLimits limits) throws IOException {
        Snapshot base = view.snapshot();
        Invariants.check(base.index() <= index, "raft snapshot at %s is past the boundary %s", base.index(), index);
        PartitionStateMachine sm = base.index() == 0
                ? new PartitionStateMachine(limits) : PartitionStateMachine.restore(base.data(), limits);
        Membership membership = base.metadata().membership();
        long next = base.index() + 1;
        long term = base.term();
        while (next <= index) {
            List<LogEntry> frames = log.readFromIndex(next, (int) Math.min(index - next + 1, 4096), 8 << 20);
            Invariants.check(!frames.isEmpty(), "no entry at index %s while rebuilding the state at %s", next, index);
            for (LogEntry f : frames) {
                if (f.raftIndex() > index) {
                    break;
                }
                Entry e = EntryFrames.toEntry(f);
                sm.apply(e.index(), e.term(), EntryFrames.commandForApply(e));
                membership = membershipAfter(membership, e);
                term = e.term();
                next = e.index() + 1;
            }
        }
        return new Snapshot(new SnapshotMetadata(index, term, membership), sm.snapshot());
    }

    /** Mirrors the core: a config change applies to the membership; a leader's no-op restates it. */
    static Membership membershipAfter(Membership m, Entry e) {
        if (e.type() == EntryType.CONFIG_CHANGE) {
            try {
                return m.apply(ConfigChange.decode(e.data()));
            } catch (IllegalArgumentException skipped) {
                return m; // The core skips a change that does not apply, too.
            }
        }
        if (e.type() == EntryType.NOOP && e.data().length > 0) {
            return Membership.decode(e.data());
        }
        return m;
    }

    /** Where to cut: delete every sealed segment below {@code offset}; they end at Raft index {@code lastIndex}. */
    record Floor(long offset, long lastIndex) {}

    /**
     * The largest offset such that every sealed segment wholly below it is below the log start and
     * covered by the state at {@code appliedIndex}, with the last Raft index those segments hold;
     * offset 0 when there is none.
     */
    static Floor deletionFloor(List<SegmentInfo> segments, long logStart, long appliedIndex) {
        int n = 0;
        while (n < segments.size()) {
            SegmentInfo s = segments.get(n);
            if (!s.sealed() || s.endOffset() > logStart || s.lastRaftIndex() > appliedIndex) {
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
                if (s.sealed() && s.endOffset() <= floor && s.lastRaftIndex() > appliedIndex) {
                    safe = false;
                    break;
                }
            }
            if (safe) {
                long lastIndex = segments.get(n - 1).lastRaftIndex();
                for (int i = n; i < segments.size(); i++) {
                    SegmentInfo s = segments.get(i);
                    if (s.sealed() && s.endOffset() <= floor) {
                        lastIndex = Math.max(lastIndex, s.lastRaftIndex()); // deleted along with the prefix
                    }
                }
                return new Floor(floor, lastIndex);
            }
            n--;
        }
        return new Floor(0, 0);
    }
}
