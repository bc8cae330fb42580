package io.cairn.server.replica;

import io.cairn.core.partition.PartitionLimits;
import io.cairn.core.partition.PartitionStateMachine;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;
import io.cairn.storage.LogDamage;
import io.cairn.storage.SegmentLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;

/**
 * The disk side of repairing a replica whose log holds damaged entries (a flipped byte in a
 * sealed segment, found by a read's CRC check or the scrub after open). Only a replica with peers
 * repairs: it cuts its log just before the first damaged entry and lets Raft refill it from the
 * leader (by appends, or a snapshot when the leader's log starts later), byte for byte the same.
 *
 * <p>Order, and the failure each step's position prevents:
 * <ol>
 *   <li>{@link RepairMarker} written (the last index held before the cut): a crash after the
 *       cut without it would let this node vote with a log lacking entries it acknowledged;</li>
 *   <li>a checkpoint at or past the cut deleted: restart restores the newest snapshot, and one
 *       past the end of the log would be state the log cannot back (open refuses it);</li>
 *   <li>the log truncated at the first damaged entry (durable when it returns); when the damage
 *       lies at or below the Raft snapshot (entries Raft no longer sees, kept only because
 *       retention deletes whole segments), the log is reset to just after the snapshot.</li>
 * </ol>
 * The caller then restores the state machine from {@link Cut#restoreFrom()} (or empty) and
 * rebuilds its RaftNode with the vote withheld until {@link RepairMarker.State#untilIndex()}.
 */
final class ReplicaRepair {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRepair.class);

    private ReplicaRepair() {}

    /**
     * What a cut left: the marker in force, whether the log was reset (not just truncated), and
     * the newest snapshot at or below the log's new end to restore the state from (empty: start
     * from an empty state machine and replay from index 1).
     */
    record Cut(RepairMarker.State marker, boolean reset, Optional<Snapshot> restoreFrom) {}

    static Cut cut(String name, SegmentLog log, LogDamage damage, RepairMarker marker, RepairMarker.State earlier,
                   SnapshotKeeper snapshots, SnapshotMetadata raftSnapshot, PartitionLimits limits) throws IOException {
        long lastBefore = log.lastIndex();
        long firstBad = damage.firstBadIndex();
        // Terms are in memory (index points), so the last entry's term is known even when frames
        // are not. A second cut during a repair keeps the higher index and term of both (stricter
        // than either: the refilled entries may carry older terms than the ones first lost).
        RepairMarker.State state = earlier == null
                ? new RepairMarker.State(lastBefore, log.lastTerm(), firstBad)
                : new RepairMarker.State(Math.max(earlier.untilIndex(), lastBefore),
                        Math.max(earlier.untilTerm(), log.lastTerm()), firstBad);
        marker.write(state);
        snapshots.discardCheckpointFrom(firstBad);
        Optional<Snapshot> raft = raftSnapshot.index() > 0 ? snapshots.raftSnapshotFile().read() : Optional.empty();
        boolean reset = firstBad <= raftSnapshot.index();
        if (reset) {
            // Raft cannot refill entries at or below its snapshot (the leader sends from the
            // snapshot on); drop them and everything after, and serve from the snapshot onwards.
            Snapshot s = raft.orElseThrow(() -> new IOException(snapshots.raftSnapshotFile().path() + " is missing"));
            PartitionStateMachine at = PartitionStateMachine.restore(s.data(), limits);
            log.resetTo(s.index() + 1, at.nextOffset(), s.term());
        } else {
            log.truncateSuffix(firstBad);
        }
        Optional<Snapshot> checkpoint = snapshots.checkpointFile().read();
        Optional<Snapshot> source = checkpoint.filter(c -> c.index() >= raftSnapshot.index() && c.index() <= log.lastIndex())
                .or(() -> raft);
        LOG.warn("{}: {}; log cut before entry {} (it held up to {}){}; state restored from {}; votes withheld until "
                        + "entry {} is committed and durable here", name, damage, firstBad, lastBefore,
                reset ? " and reset after the raft snapshot at " + raftSnapshot.index() : "",
                source.map(s -> "the snapshot at " + s.index()).orElse("nothing (replay from the start)"),
                state.untilIndex());
        return new Cut(state, reset, source);
    }
}
