package io.cairn.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.chaos.checker.Violation.Kind;
import io.cairn.chaos.history.FaultEvent;
import io.cairn.chaos.history.FinalRead;
import io.cairn.chaos.history.Op;
import io.cairn.chaos.history.OpType;
import io.cairn.chaos.history.Outcome;
import io.cairn.chaos.history.ReadRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each rule against a small synthetic history that contains exactly the violation it must catch. */
class CheckerTest {
    private final List<Op> ops = new ArrayList<>();
    private final List<FaultEvent> faults = new ArrayList<>();
    private final List<FinalRead> finals = new ArrayList<>();
    private long nextId = 1;

    private Op produce(String process, long invokeMs, long completeMs, Outcome outcome, String value, Long offset, boolean dup) {
        Op op = new Op(nextId++, process, OpType.PRODUCE, invokeMs * 1000, completeMs * 1000, outcome, "http://n1", "t", 0,
                List.of(value), List.of("k-" + value), offset == null ? null : List.of(offset), offset == null ? null : List.of(dup),
                null, null, null, null, null, 1, 0, outcome == Outcome.OK ? null : "boom");
        ops.add(op);
        return op;
    }

    private Op ok(String process, long invokeMs, long completeMs, String value, long offset) {
        return produce(process, invokeMs, completeMs, Outcome.OK, value, offset, false);
    }

    private void read(long invokeMs, Long from, ReadRecord... recs) {
        ops.add(new Op(nextId++, "c1", OpType.CONSUME, invokeMs * 1000, invokeMs * 1000 + 10, Outcome.OK, "http://n2", "t", 0,
                null, null, null, null, "g-read", from, List.of(recs), null, null, 1, 0, null));
    }

    private void commit(long invokeMs, long completeMs, long offset, long committed) {
        ops.add(new Op(nextId++, "m1", OpType.COMMIT, invokeMs * 1000, completeMs * 1000, Outcome.OK, "http://n1", "t", 0,
                null, null, null, null, "g", null, null, committed, offset, 1, 0, null));
    }

    private void groupRead(long invokeMs, long completeMs, long committed) {
        ops.add(new Op(nextId++, "m1", OpType.GROUP_CONSUME, invokeMs * 1000, completeMs * 1000, Outcome.OK, "http://n1", "t", 0,
                null, null, null, null, "g", null, List.of(), committed, null, 1, 0, null));
    }

    private static ReadRecord r(long offset, String value) {
        return new ReadRecord(offset, value);
    }

    private void finalLog(String node, ReadRecord... recs) {
        finals.add(new FinalRead(node, "t", 0, 0, recs.length, List.of(recs), true, null));
    }

    private CheckResult check() {
        return Checker.check(ops, faults, finals, new Checker.Config(10_000, -1));
    }

    private static List<Kind> kinds(CheckResult r) {
        return r.violations().stream().map(Violation::kind).toList();
    }

    @Test
    void consistentHistoryIsAllGreen() {
        ok("p1", 0, 5, "a", 0);
        ok("p1", 6, 9, "b", 1);
        produce("p2", 1, 30, Outcome.UNKNOWN, "c", null, false);
        produce("p2", 31, 40, Outcome.FAIL, "d", null, false);
        read(50, 0L, r(0, "a"), r(1, "b"));
        commit(60, 61, 1, 1);
        groupRead(62, 63, 1);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "b"), r(2, "c"));
        finalLog("n2", r(0, "a"), r(1, "b"), r(2, "c"));

        CheckResult res = check();

        assertThat(res.violations()).isEmpty();
        assertThat(res.allGreen()).isTrue();
        assertThat(res.acknowledged()).isEqualTo(2);
        assertThat(res.unknownPresent()).isEqualTo(1);
        assertThat(res.readsChecked()).isEqualTo(2);
    }

    @Test
    void acknowledgedWriteMissingFromTheCommittedLogIsLost() {
        ok("p1", 0, 5, "a", 0);
        ok("p1", 6, 9, "b", 1);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"));

        CheckResult res = check();

        assertThat(kinds(res)).containsExactly(Kind.LOST_WRITE);
        assertThat(res.lost()).isEqualTo(1);
    }

    @Test
    void acknowledgedOffsetHoldingAnotherRecordIsReported() {
        ok("p1", 0, 5, "a", 0);
        ok("p2", 0, 5, "b", 0);
        finalLog(FinalRead.VIA_LEADER, r(0, "b"), r(1, "a"));

        assertThat(kinds(check())).contains(Kind.OFFSET_CHANGED);
    }

    @Test
    void gapInOffsetsIsNotDense() {
        ok("p1", 0, 5, "a", 0);
        ok("p1", 6, 9, "b", 2);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(2, "b"));

        assertThat(kinds(check())).containsExactly(Kind.OFFSETS_NOT_DENSE);
    }

    @Test
    void replicaServingAnotherValueAtAnOffsetDiverges() {
        ok("p1", 0, 5, "a", 0);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"));
        finalLog("n3", r(0, "zzz"));

        assertThat(kinds(check())).containsExactly(Kind.REPLICAS_DIVERGE);
    }

    @Test
    void laggingReplicaIsANoteNotAViolation() {
        ok("p1", 0, 5, "a", 0);
        ok("p1", 6, 8, "b", 1);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "b"));
        finalLog("n3", r(0, "a"));

        CheckResult res = check();
        assertThat(res.violations()).isEmpty();
        assertThat(res.notes()).anyMatch(n -> n.contains("n3 lags"));
    }

    @Test
    void sameValueCommittedTwiceIsADuplicate() {
        ok("p1", 0, 5, "a", 0);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "a"));

        assertThat(kinds(check())).containsExactly(Kind.DUPLICATE);
    }

    @Test
    void sameKeyAcknowledgedAtTwoOffsetsIsADuplicate() {
        ok("p1", 0, 5, "a", 0);
        produce("p1", 10, 12, Outcome.OK, "a", 3L, true);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "x"), r(2, "y"), r(3, "z"));

        assertThat(kinds(check())).contains(Kind.DUPLICATE);
    }

    @Test
    void dedupeHitAtTheOriginalOffsetIsFineAndCounted() {
        produce("p1", 0, 100, Outcome.UNKNOWN, "a", null, false);
        ok("p1", 101, 105, "b", 1);
        produce("p1", 110, 112, Outcome.OK, "a", 0L, true);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "b"));

        CheckResult res = check();
        assertThat(res.violations()).isEmpty();
        assertThat(res.dedupeHits()).isEqualTo(1);
    }

    @Test
    void laterWriteOfOneProducerWithLowerOffsetIsOutOfOrder() {
        ok("p1", 0, 5, "a", 1);
        ok("p1", 6, 9, "b", 0);
        finalLog(FinalRead.VIA_LEADER, r(0, "b"), r(1, "a"));

        assertThat(kinds(check())).containsExactly(Kind.ORDER);
    }

    @Test
    void concurrentProducersMayInterleave() {
        ok("p1", 0, 10, "a", 1);
        ok("p2", 1, 9, "b", 0);
        finalLog(FinalRead.VIA_LEADER, r(0, "b"), r(1, "a"));

        assertThat(check().violations()).isEmpty();
    }

    @Test
    void committedOffsetGoingBackwardsIsReported() {
        ok("p1", 0, 1, "a", 0);
        ok("p1", 2, 3, "b", 1);
        commit(10, 11, 1, 1);
        groupRead(20, 21, 0);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "b"));

        assertThat(kinds(check())).containsExactly(Kind.COMMIT_REGRESSED);
    }

    @Test
    void overlappingObservationsOfCommitsAreNotOrdered() {
        ok("p1", 0, 1, "a", 0);
        ok("p1", 2, 3, "b", 1);
        commit(10, 30, 1, 1);
        groupRead(12, 14, 0);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "b"));

        assertThat(check().violations()).isEmpty();
    }

    @Test
    void readRecordThatLaterVanishedIsReported() {
        ok("p1", 0, 5, "a", 0);
        read(10, 0L, r(0, "a"), r(1, "ghost"));
        finalLog(FinalRead.VIA_LEADER, r(0, "a"));

        assertThat(kinds(check())).containsExactly(Kind.READ_VANISHED);
    }

    @Test
    void readThatSkipsOffsetsIsNotDense() {
        ok("p1", 0, 5, "a", 0);
        ok("p1", 6, 7, "b", 1);
        ok("p1", 8, 9, "c", 2);
        read(10, 0L, r(0, "a"), r(2, "c"));
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "b"), r(2, "c"));

        assertThat(kinds(check())).containsExactly(Kind.OFFSETS_NOT_DENSE);
    }

    @Test
    void writeReportedFailedThatIsCommittedBreaksAmbiguityPromise() {
        produce("p1", 0, 5, Outcome.FAIL, "a", null, false);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"));

        assertThat(kinds(check())).containsExactly(Kind.FAILED_WRITE_APPEARED);
    }

    @Test
    void noWriteAfterTheFinalHealWithinTheBoundIsNoRecovery() {
        ok("p1", 0, 5, "a", 0);
        ok("p1", 20_000, 25_000, "b", 1);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "b"));

        CheckResult res = Checker.check(ops, faults, finals, new Checker.Config(10_000, 6_000_000));
        assertThat(kinds(res)).containsExactly(Kind.NO_RECOVERY);
        assertThat(res.finalRecoveryMs()).isEqualTo(19_000);
    }

    @Test
    void recoveryTimePerFaultIsFromHealToNextAck() {
        ok("p1", 0, 5, "a", 0);
        ok("p1", 6, 900, "b", 1);
        faults.add(new FaultEvent(77, "kill", List.of("n1"), 10_000, 400_000, "leader"));
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "b"));

        assertThat(check().faultRecoveryMs()).containsEntry(77L, 500L);
    }

    @Test
    void missingFinalReadOfAWrittenPartitionIsIncomplete() {
        ok("p1", 0, 5, "a", 0);
        finals.add(new FinalRead(FinalRead.VIA_LEADER, "t", 0, 0, -1, List.of(), false, "no leader"));

        assertThat(kinds(check())).containsExactly(Kind.INCOMPLETE_FINAL_READ);
    }

    @Test
    void violationDetailsAreBoundedPerKind() {
        for (int i = 0; i < 50; i++) {
            ok("p" + i, 0, 1, "v" + i, i);
        }
        finalLog(FinalRead.VIA_LEADER);

        CheckResult res = check();
        assertThat(res.lost()).isEqualTo(50);
        assertThat(res.violations()).hasSize(Checker.DETAILS_PER_KIND_MAX + 1);
        assertThat(res.violations().get(Checker.DETAILS_PER_KIND_MAX).detail()).contains("30 more");
    }

    @Test
    void onePartitionStuckAfterTheHealIsNoRecoveryEvenIfOthersTakeWrites() {
        ok("p1", 0, 5, "a", 0);
        ops.add(new Op(nextId++, "p2", OpType.PRODUCE, 1000, 2000, Outcome.OK, "http://n1", "t", 1, List.of("b"), List.of("kb"),
                List.of(0L), List.of(false), null, null, null, null, null, 1, 0, null));
        ok("p1", 7_000, 7_100, "c", 1);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"), r(1, "c"));
        finals.add(new FinalRead(FinalRead.VIA_LEADER, "t", 1, 0, 1, List.of(r(0, "b")), true, null));

        CheckResult res = Checker.check(ops, faults, finals, new Checker.Config(10_000, 6_000_000));
        assertThat(kinds(res)).containsExactly(Kind.NO_RECOVERY);
        assertThat(res.violations().get(0).detail()).startsWith("t/1");
        assertThat(res.finalRecoveryMs()).isEqualTo(-1);
    }

    @Test
    void nodeAnsweringErrorsAfterTheHealIsUnreadableButAFollowerRedirectIsNot() {
        ok("p1", 0, 5, "a", 0);
        finalLog(FinalRead.VIA_LEADER, r(0, "a"));
        finals.add(new FinalRead("n2", "t", 0, 0, -1, List.of(), false, "503 storage_failed: CRC32C mismatch"));
        finals.add(new FinalRead("n3", "t", 0, 0, -1, List.of(), false, Checker.FOLLOWER_READS_REFUSED + " (307 to n1)"));

        CheckResult res = check();
        assertThat(kinds(res)).containsExactly(Kind.REPLICA_UNREADABLE);
        assertThat(res.violations().get(0).detail()).contains("n2").contains("CRC32C");
        assertThat(res.notes()).anyMatch(n -> n.contains("n3 does not serve"));
    }
}
