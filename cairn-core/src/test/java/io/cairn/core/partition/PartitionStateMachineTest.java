package io.cairn.core.partition;

import io.cairn.core.Invariants.InvariantViolation;
import io.cairn.core.partition.ApplyResult.BatchApplied;
import io.cairn.core.partition.ApplyResult.CommitApplied;
import io.cairn.core.partition.ApplyResult.CommitRejected;
import io.cairn.core.partition.ApplyResult.LogStartRaised;
import io.cairn.core.partition.ApplyResult.RecordOutcome;
import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionCommand.DeleteBefore;
import io.cairn.core.partition.PartitionCommand.DeleteReason;
import io.cairn.core.partition.PartitionCommand.GroupCommit;
import io.cairn.core.partition.PartitionCommand.NoOp;
import io.cairn.core.partition.PartitionCommand.RecordBatch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionStateMachineTest {
    private static final byte[] V = {1};

    private static RecordBatch batch(long base, long ts, String... idemKeys) {
        List<BatchRecord> recs = new ArrayList<>();
        for (String k : idemKeys) {
            recs.add(new BatchRecord(ts, null, V, k));
        }
        return new RecordBatch(base, recs);
    }

    @Test
    void batchesGetDenseOffsetsInLogOrder() {
        PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
        sm.apply(1, 1, new NoOp());
        BatchApplied a = (BatchApplied) sm.apply(2, 1, batch(0, 10, null, null, null));
        BatchApplied b = (BatchApplied) sm.apply(3, 1, batch(3, 11, (String) null));
        assertThat(a.records()).extracting(RecordOutcome::offset).containsExactly(0L, 1L, 2L);
        assertThat(b.records()).extracting(RecordOutcome::offset).containsExactly(3L);
        assertThat(sm.nextOffset()).isEqualTo(4);
        assertThat(sm.appliedIndex()).isEqualTo(3);
    }

    @Test
    void aBatchThatSkipsOrRepeatsAnOffsetStopsTheReplica() {
        PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
        sm.apply(1, 1, batch(0, 10, (String) null));
        assertThatThrownBy(() -> sm.apply(2, 1, batch(2, 10, (String) null)))
                .isInstanceOf(InvariantViolation.class).hasMessageContaining("dense");
        assertThatThrownBy(() -> sm.apply(2, 1, batch(0, 10, (String) null)))
                .isInstanceOf(InvariantViolation.class);
        assertThat(sm.nextOffset()).isEqualTo(1);
        assertThat(sm.appliedIndex()).isEqualTo(1);
    }

    @Test
    void entriesMustArriveInIndexOrderWithNonDecreasingTerms() {
        PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
        sm.apply(1, 2, new NoOp());
        assertThatThrownBy(() -> sm.apply(3, 2, new NoOp())).isInstanceOf(InvariantViolation.class);
        assertThatThrownBy(() -> sm.apply(2, 1, new NoOp())).isInstanceOf(InvariantViolation.class);
    }

    @Test
    void groupCommitsAreMonotonicAndBoundedByTheHighWatermark() {
        PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
        sm.apply(1, 1, batch(0, 10, null, null, null, null, null));
        assertThat(sm.apply(2, 1, new GroupCommit("g", 3))).isEqualTo(new CommitApplied("g", 3, true));
        assertThat(sm.apply(3, 1, new GroupCommit("g", 1))).isEqualTo(new CommitApplied("g", 3, false));
        assertThat(sm.apply(4, 1, new GroupCommit("g", 3))).isEqualTo(new CommitApplied("g", 3, false));
        assertThat(sm.apply(5, 1, new GroupCommit("g", 5))).isInstanceOf(CommitRejected.class);
        assertThat(sm.committedOffset("g")).isEqualTo(3);
        assertThat(sm.committedOffset("other")).isEqualTo(-1);
    }

    @Test
    void theGroupTableIsBounded() {
        PartitionStateMachine sm = new PartitionStateMachine(new PartitionLimits(1000, 10, 2));
        sm.apply(1, 1, batch(0, 10, null, null));
        sm.apply(2, 1, new GroupCommit("a", 0));
        sm.apply(3, 1, new GroupCommit("b", 0));
        assertThat(sm.apply(4, 1, new GroupCommit("c", 0))).isInstanceOf(CommitRejected.class);
        assertThat(sm.apply(5, 1, new GroupCommit("a", 1))).isEqualTo(new CommitApplied("a", 1, true));
        assertThat(sm.groupOffsets()).containsOnlyKeys("a", "b");
    }

    @Test
    void deleteBeforeRaisesTheLogStartButNeverPastTheEndOrBackwards() {
        PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
        sm.apply(1, 1, batch(0, 10, null, null, null, null));
        assertThat(sm.apply(2, 1, new DeleteBefore(2, DeleteReason.EXPLICIT))).isEqualTo(new LogStartRaised(2, true));
        assertThat(sm.apply(3, 1, new DeleteBefore(1, DeleteReason.RETENTION))).isEqualTo(new LogStartRaised(2, false));
        assertThat(sm.apply(4, 1, new DeleteBefore(99, DeleteReason.EXPLICIT))).isEqualTo(new LogStartRaised(4, true));
        assertThat(sm.logStart()).isEqualTo(4);
    }

    @Test
    void aRetriedKeyInsideTheWindowIsADuplicateOfTheFirstOffset() {
        PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
        sm.apply(1, 1, batch(0, 1_000, "k1", "k2"));
        assertThat(sm.lookupIdempotencyKey("k2", 2_000)).isEqualTo(new IdempotencyWindow.Entry(1, 1_000));
        // A leader that proposed without checking: the record still takes an offset, and the
        // answer names the first one.
        BatchApplied again = (BatchApplied) sm.apply(2, 1, batch(2, 1_500, "k1"));
        assertThat(again.records()).containsExactly(new RecordOutcome(0, true));
        assertThat(sm.nextOffset()).isEqualTo(3);
    }

    @Test
    void keysExpireByLogTimeAndLookupsHonourTheCallersClock() {
        PartitionStateMachine sm = new PartitionStateMachine(new PartitionLimits(1_000, 100, 10));
        sm.apply(1, 1, batch(0, 10_000, "old"));
        assertThat(sm.lookupIdempotencyKey("old", 10_900)).isNotNull();
        assertThat(sm.lookupIdempotencyKey("old", 11_001)).as("expired by the caller's clock").isNull();
        sm.apply(2, 1, batch(1, 11_001, "new"));
        assertThat(sm.idempotencyKeys()).as("evicted by the log clock").isEqualTo(1);
        assertThat(sm.lookupIdempotencyKey("new", 0)).as("log clock wins over a stale caller clock").isNotNull();
    }

    @Test
    void aClockThatStepsBackDoesNotShrinkOrReorderTheWindow() {
        PartitionStateMachine sm = new PartitionStateMachine(new PartitionLimits(1_000, 100, 10));
        sm.apply(1, 1, batch(0, 10_000, "a"));
        sm.apply(2, 2, batch(1, 5_000, "b")); // new leader with a clock 5 s behind
        assertThat(sm.lookupIdempotencyKey("b", 0)).isEqualTo(new IdempotencyWindow.Entry(1, 10_000));
        sm.apply(3, 2, batch(2, 11_001, "c"));
        assertThat(sm.idempotencyKeys()).isEqualTo(1);
    }

    @Test
    void theCountBoundEvictsTheOldestKeyFirst() {
        PartitionStateMachine sm = new PartitionStateMachine(new PartitionLimits(1_000_000, 3, 10));
        sm.apply(1, 1, batch(0, 1, "a", "b", "c", "d"));
        assertThat(sm.idempotencyKeys()).isEqualTo(3);
        assertThat(sm.lookupIdempotencyKey("a", 1)).isNull();
        assertThat(sm.lookupIdempotencyKey("d", 1)).isNotNull();
    }

    @Test
    void snapshotRestoresEverything() {
        PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
        sm.apply(1, 3, batch(0, 100, "x", null, "y"));
        sm.apply(2, 3, new GroupCommit("g", 1));
        sm.apply(3, 4, new DeleteBefore(1, DeleteReason.EXPLICIT));
        byte[] snap = sm.snapshot();
        PartitionStateMachine back = PartitionStateMachine.restore(snap, PartitionLimits.DEFAULTS);
        assertThat(back.appliedIndex()).isEqualTo(3);
        assertThat(back.appliedTerm()).isEqualTo(4);
        assertThat(back.nextOffset()).isEqualTo(3);
        assertThat(back.logStart()).isEqualTo(1);
        assertThat(back.committedOffset("g")).isEqualTo(1);
        assertThat(back.lookupIdempotencyKey("y", 100)).isEqualTo(new IdempotencyWindow.Entry(2, 100));
        assertThat(back.snapshot()).isEqualTo(snap);
    }

    @Test
    void aDamagedSnapshotIsRefused() {
        PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
        sm.apply(1, 1, batch(0, 100, "x"));
        byte[] snap = sm.snapshot();
        for (int i = 0; i < snap.length; i++) {
            byte[] bad = snap.clone();
            bad[i] ^= 0x40;
            assertThatThrownBy(() -> PartitionStateMachine.restore(bad, PartitionLimits.DEFAULTS))
                    .as("flipped byte %d", i).isInstanceOf(MalformedPayloadException.class);
        }
        assertThatThrownBy(() -> PartitionStateMachine.restore(new byte[3], PartitionLimits.DEFAULTS))
                .isInstanceOf(MalformedPayloadException.class);
    }

    @Test
    void restoringUnderTighterLimitsKeepsTheNewestKeys() {
        PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
        sm.apply(1, 1, batch(0, 100, "a", "b", "c"));
        PartitionStateMachine back = PartitionStateMachine.restore(sm.snapshot(), new PartitionLimits(60_000, 2, 10));
        assertThat(back.idempotencyKeys()).isEqualTo(2);
        assertThat(back.lookupIdempotencyKey("a", 100)).isNull();
        assertThat(back.lookupIdempotencyKey("c", 100)).isNotNull();
    }
}
