package io.cairn.server.replica;

import io.cairn.server.broker.PartitionFactory.PartitionSettings;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.ConsumeResult;
import io.cairn.server.broker.PartitionHandle.DeleteBeforeResult;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;
import io.cairn.server.broker.PartitionHandle.RecordResult;
import io.cairn.server.broker.PartitionHandle.StoredRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.cairn.server.replica.ReplicaHarness.await;
import static io.cairn.server.replica.ReplicaHarness.produce;
import static io.cairn.server.replica.ReplicaHarness.rec;
import static org.assertj.core.api.Assertions.assertThat;

/** Restart: the log, group offsets, log start and dedupe window come back as they were. */
class RecoveryIT {
    /** Small segments so retention has whole sealed segments to delete. */
    private static final PartitionSettings SMALL_SEGMENTS = new PartitionSettings(4096, 0, 1 << 20, 600_000, 1_000_000);

    @TempDir
    Path dir;

    private ReplicaHarness harness = new ReplicaHarness(ReplicaHarness.defaults());

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private static List<StoredRecord> readAll(PartitionHandle p, long from) throws Exception {
        List<StoredRecord> out = new ArrayList<>();
        long next = from;
        while (true) {
            ConsumeResult page = await(p.consume(next, 1000, 1 << 20, 0));
            if (page.records().isEmpty()) {
                return out;
            }
            out.addAll(page.records());
            next = page.nextOffset();
        }
    }

    private static List<RecordResult> fill(PartitionHandle p, int batches, int perBatch, String prefix) throws Exception {
        List<RecordResult> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<ProduceRecord> recs = new ArrayList<>();
            for (int i = 0; i < perBatch; i++) {
                recs.add(rec(prefix + "-value-" + b + "-" + i, prefix + "-key-" + b + "-" + i));
            }
            out.addAll(await(p.produce(recs, PartitionHandle.Acks.MAJORITY, 10_000)).results());
        }
        return out;
    }

    @Test
    void everythingComesBackAfterARestart() throws Exception {
        PartitionReplica p = harness.open(dir);
        List<RecordResult> written = fill(p, 50, 20, "a");
        await(p.commit("g1", 499));
        await(p.commit("g2", 10));
        List<StoredRecord> before = readAll(p, 0);

        harness.restart();
        PartitionReplica again = harness.open(dir);
        assertThat(again.status().highWatermark()).isEqualTo(1000);
        assertThat(again.committedOffset("g1")).isEqualTo(499);
        assertThat(again.committedOffset("g2")).isEqualTo(10);
        assertThat(readAll(again, 0)).usingRecursiveFieldByFieldElementComparator().isEqualTo(before);
        // Retried keys are duplicates with their first offsets; new records continue densely.
        List<RecordResult> retried = fill(again, 2, 20, "a");
        for (int i = 0; i < retried.size(); i++) {
            assertThat(retried.get(i)).isEqualTo(new RecordResult(written.get(i).offset(), true));
        }
        assertThat(produce(again, rec("new")).results()).containsExactly(new RecordResult(1000, false));
    }

    @Test
    void restartWithoutACheckpointReplaysTheWholeLog() throws Exception {
        PartitionReplica p = harness.open(dir);
        List<RecordResult> written = fill(p, 30, 10, "b");
        await(p.commit("g", 200));
        harness.restart();
        // As after a crash that left no checkpoint: only the log tells the story.
        Files.deleteIfExists(dir.resolve(SnapshotFile.CHECKPOINT));
        PartitionReplica again = harness.open(dir);
        assertThat(again.status().highWatermark()).isEqualTo(300);
        assertThat(again.committedOffset("g")).isEqualTo(200);
        List<RecordResult> retried = fill(again, 1, 10, "b");
        for (int i = 0; i < retried.size(); i++) {
            assertThat(retried.get(i)).isEqualTo(new RecordResult(written.get(i).offset(), true));
        }
    }

    @Test
    void periodicCheckpointsPlusTheLogTailRestoreTheState() throws Exception {
        harness.close();
        harness = new ReplicaHarness(ReplicaHarness.defaults().withCheckpointIntervalBytes(2048));
        PartitionReplica p = harness.open(dir);
        fill(p, 40, 5, "c");
        await(p.commit("g", 150));
        fill(p, 3, 5, "d");
        assertThat(dir.resolve(SnapshotFile.CHECKPOINT)).exists();
        harness.restart();
        PartitionReplica again = harness.open(dir);
        assertThat(again.status().highWatermark()).isEqualTo(215);
        assertThat(again.committedOffset("g")).isEqualTo(150);
        assertThat(fill(again, 1, 5, "d").get(0)).isEqualTo(new RecordResult(200, true));
    }

    @Test
    void deleteBeforeRaisesTheLogStartAndKeepsStateTheDeletedSegmentsHeld() throws Exception {
        PartitionReplica p = harness.open(dir, SMALL_SEGMENTS);
        List<RecordResult> written = fill(p, 40, 10, "e");
        await(p.commit("g", 120));
        long bytesBefore = p.status().logBytes();

        DeleteBeforeResult r = await(p.deleteBefore(250));
        assertThat(r.logStart()).isEqualTo(250);
        assertThat(r.deletedSegments()).isPositive();
        assertThat(r.freedBytes()).isPositive();
        assertThat(p.status().logBytes()).isLessThan(bytesBefore);
        assertThat(p.status().logStart()).isEqualTo(250);

        // Raft's snapshot sits exactly where the kept log begins, so a follower that installs it
        // holds the same records as this leader.
        io.cairn.core.raft.Snapshot raftSnapshot = new SnapshotFile(dir, SnapshotFile.RAFT_SNAPSHOT).read().orElseThrow();
        io.cairn.core.partition.PartitionStateMachine atBoundary = io.cairn.core.partition.PartitionStateMachine
                .restore(raftSnapshot.data(), io.cairn.core.partition.PartitionLimits.DEFAULTS);
        PartitionHandle.SegmentInfo firstKept = p.segments().get(0);
        assertThat(atBoundary.nextOffset()).isEqualTo(firstKept.baseOffset()).isLessThanOrEqualTo(250);
        assertThat(atBoundary.appliedIndex()).isEqualTo(raftSnapshot.index());

        ConsumeResult below = await(p.consume(10, 10, 1 << 20, 0));
        assertThat(below.reset()).isTrue();
        assertThat(below.nextOffset()).isEqualTo(250);
        assertThat(readAll(p, 250)).hasSize(150);

        harness.restart();
        PartitionReplica again = harness.open(dir, SMALL_SEGMENTS);
        assertThat(again.status().logStart()).isEqualTo(250);
        assertThat(again.status().highWatermark()).isEqualTo(400);
        assertThat(again.committedOffset("g")).isEqualTo(120);
        // Keys whose records were deleted are still inside the dedupe window: still duplicates.
        List<RecordResult> retried = fill(again, 1, 10, "e");
        for (int i = 0; i < retried.size(); i++) {
            assertThat(retried.get(i)).isEqualTo(new RecordResult(written.get(i).offset(), true));
        }
        assertThat(readAll(again, 250)).hasSize(150);
    }

    @Test
    void segmentsAreListedForRetention() throws Exception {
        PartitionReplica p = harness.open(dir, SMALL_SEGMENTS);
        fill(p, 20, 10, "f");
        List<PartitionHandle.SegmentInfo> segs = p.segments();
        assertThat(segs.size()).isGreaterThan(1);
        assertThat(segs.get(0).baseOffset()).isZero();
        assertThat(segs.get(0).sealed()).isTrue();
        assertThat(segs.get(segs.size() - 1).sealed()).isFalse();
        for (int i = 1; i < segs.size(); i++) {
            assertThat(segs.get(i).baseOffset()).isEqualTo(segs.get(i - 1).endOffset());
        }
    }
}
