package io.cairn.server.replica;

import io.cairn.core.NodeId;
import io.cairn.core.partition.PartitionCodec;
import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionCommand.RecordBatch;
import io.cairn.core.partition.PartitionLimits;
import io.cairn.core.partition.PartitionStateMachine;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;
import io.cairn.storage.Flusher;
import io.cairn.storage.LogConfig;
import io.cairn.storage.LogDamage;
import io.cairn.storage.LogEntry;
import io.cairn.storage.SegmentInfo;
import io.cairn.storage.SegmentLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The disk side of a repair over real files: the marker is written with the last entry held
 * before the cut, a checkpoint the cut invalidates is deleted, the log is cut exactly before the
 * first damaged entry (or reset after the Raft snapshot when the damage lies below it), and the
 * state to restore from is the newest snapshot the cut log still backs.
 */
class ReplicaRepairTest {
    private static final int FRAME_HEADER_BYTES = 54;
    private static final Membership MEMBERS = Membership.ofVoters(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    private static final PartitionLimits LIMITS = PartitionLimits.DEFAULTS;

    @TempDir
    Path dir;
    private Flusher flusher;
    private SegmentLog log;
    private final List<LogEntry> frames = new ArrayList<>();
    /** states.get(i): the state machine's snapshot after applying entries 1..i. */
    private final List<byte[]> states = new ArrayList<>();

    @BeforeEach
    void writeLog() throws Exception {
        flusher = new Flusher("repair-test");
        log = SegmentLog.open(dir, LogConfig.defaults().withSegmentBytesMax(4096), flusher);
        PartitionStateMachine sm = new PartitionStateMachine(LIMITS);
        states.add(sm.snapshot());
        for (long i = 1; i <= 100; i++) {
            long term = i <= 50 ? 1 : 2;
            byte[] value = ("value-" + i + "-" + "x".repeat(40)).getBytes(StandardCharsets.UTF_8);
            Entry e = new Entry(term, i, EntryType.NORMAL, PartitionCodec.encode(new RecordBatch(i - 1,
                    List.of(new BatchRecord(1000 + i, null, value, null)))));
            LogEntry f = EntryFrames.toFrame(e, log.nextOffset());
            log.append(f);
            frames.add(f);
            sm.apply(i, term, EntryFrames.commandForApply(e));
            states.add(sm.snapshot());
        }
        log.whenDurable(100).get();
    }

    @AfterEach
    void close() throws Exception {
        log.close();
        flusher.close();
    }

    private Snapshot stateAt(long index) {
        return new Snapshot(new SnapshotMetadata(index, index <= 50 ? 1 : 2, MEMBERS), states.get((int) index));
    }

    /** Flips a byte inside the frame of entry {@code index} (in whichever segment holds it). */
    private void damage(long index) throws Exception {
        SegmentInfo seg = log.segmentInfos().stream().filter(s -> s.firstRaftIndex() <= index && index <= s.lastRaftIndex())
                .findFirst().orElseThrow();
        assertThat(seg.sealed()).as("entry %s is in a sealed segment", index).isTrue();
        long position = 0;
        for (long i = seg.firstRaftIndex(); i < index; i++) {
            position += FRAME_HEADER_BYTES + frames.get((int) i - 1).payloadBytes();
        }
        Path file = dir.resolve(String.format("%020d.log", seg.baseOffset()));
        file.toFile().setWritable(true);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(position + FRAME_HEADER_BYTES + 3);
            int b = f.read();
            f.seek(position + FRAME_HEADER_BYTES + 3);
            f.write(b ^ 0xFF);
        }
    }

    private ReplicaRepair.Cut cut(SnapshotKeeper keeper, RepairMarker marker, RepairMarker.State earlier,
                                  SnapshotMetadata raftSnapshot) throws Exception {
        LogDamage d = log.findDamage().orElseThrow();
        return ReplicaRepair.cut("t/0", log, d, marker, earlier, keeper, raftSnapshot, LIMITS);
    }

    @Test
    void cutsJustBeforeTheDamageWritesTheMarkerFirstAndDropsACheckpointPastTheCut() throws Exception {
        SnapshotKeeper keeper = new SnapshotKeeper("t/0", dir, 1 << 20);
        keeper.writeCheckpoint(stateAt(80));
        RepairMarker marker = new RepairMarker(dir);
        damage(30);

        ReplicaRepair.Cut cut = cut(keeper, marker, null, new SnapshotMetadata(0, 0, MEMBERS));

        assertThat(marker.read()).contains(new RepairMarker.State(100, 2, 30));
        assertThat(cut.marker()).isEqualTo(new RepairMarker.State(100, 2, 30));
        assertThat(keeper.checkpointFile().read()).as("checkpoint at 80 is past the cut").isEmpty();
        assertThat(cut.reset()).isFalse();
        assertThat(cut.restoreFrom()).as("no snapshot below the cut: replay from the start").isEmpty();
        assertThat(log.lastIndex()).isEqualTo(29);
        assertThat(log.nextOffset()).isEqualTo(29);
        assertThat(log.findDamage()).isEmpty();
        // The refill appends the very same frames.
        for (int i = 29; i < 100; i++) {
            log.append(frames.get(i));
        }
        assertThat(log.readFromIndex(1, 1000, Integer.MAX_VALUE)).containsExactlyElementsOf(frames);
    }

    @Test
    void keepsACheckpointBelowTheCutAndRestoresFromIt() throws Exception {
        SnapshotKeeper keeper = new SnapshotKeeper("t/0", dir, 1 << 20);
        keeper.writeCheckpoint(stateAt(20));
        damage(30);
        ReplicaRepair.Cut cut = cut(keeper, new RepairMarker(dir), null, new SnapshotMetadata(0, 0, MEMBERS));
        assertThat(cut.restoreFrom()).hasValueSatisfying(s -> assertThat(s.index()).isEqualTo(20));
        assertThat(PartitionStateMachine.restore(cut.restoreFrom().get().data(), LIMITS).nextOffset()).isEqualTo(20);
    }

    @Test
    void aSecondCutDuringARepairKeepsTheStricterMark() throws Exception {
        SnapshotKeeper keeper = new SnapshotKeeper("t/0", dir, 1 << 20);
        RepairMarker marker = new RepairMarker(dir);
        damage(60);
        ReplicaRepair.Cut cut = cut(keeper, marker, new RepairMarker.State(150, 1, 10), new SnapshotMetadata(0, 0, MEMBERS));
        assertThat(marker.read()).contains(new RepairMarker.State(150, 2, 60));
        assertThat(cut.marker()).isEqualTo(new RepairMarker.State(150, 2, 60));
    }

    @Test
    void damageAtOrBelowTheRaftSnapshotResetsTheLogAfterIt() throws Exception {
        SnapshotKeeper keeper = new SnapshotKeeper("t/0", dir, 1 << 20);
        keeper.raftSnapshotFile().write(stateAt(40));
        keeper.writeCheckpoint(stateAt(90));
        damage(30);
        ReplicaRepair.Cut cut = cut(keeper, new RepairMarker(dir), null, stateAt(40).metadata());
        assertThat(cut.reset()).isTrue();
        assertThat(log.firstIndex()).isEqualTo(41);
        assertThat(log.lastIndex()).isEqualTo(40);
        assertThat(log.nextOffset()).isEqualTo(40);
        assertThat(log.termAt(40)).isEqualTo(1);
        assertThat(keeper.checkpointFile().read()).isEmpty();
        assertThat(cut.restoreFrom()).hasValueSatisfying(s -> assertThat(s.index()).isEqualTo(40));
    }

    @Test
    void theMarkerRoundTripsAndRejectsGarbage() throws Exception {
        RepairMarker marker = new RepairMarker(dir);
        assertThat(marker.read()).isEmpty();
        marker.write(new RepairMarker.State(7, 3, 5));
        assertThat(new RepairMarker(dir).read()).contains(new RepairMarker.State(7, 3, 5));
        new io.cairn.storage.AtomicStateFile(marker.path()).write(new byte[] {1, 2, 3});
        org.assertj.core.api.Assertions.assertThatThrownBy(marker::read).isInstanceOf(java.io.IOException.class);
        marker.delete();
        assertThat(marker.read()).isEmpty();
    }
}
