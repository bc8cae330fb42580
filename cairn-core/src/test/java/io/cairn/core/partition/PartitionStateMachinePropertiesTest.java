package io.cairn.core.partition;

import io.cairn.core.partition.ApplyResult.BatchApplied;
import io.cairn.core.partition.ApplyResult.RecordOutcome;
import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionCommand.DeleteBefore;
import io.cairn.core.partition.PartitionCommand.DeleteReason;
import io.cairn.core.partition.PartitionCommand.GroupCommit;
import io.cairn.core.partition.PartitionCommand.NoOp;
import io.cairn.core.partition.PartitionCommand.RecordBatch;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the partition state machine over random operation scripts: offsets are dense,
 * group commits never move backwards, the dedupe window stays inside both bounds and only ever
 * names the record that carried the key, and snapshot + restore + the rest of the log gives the
 * same state as the whole log.
 */
class PartitionStateMachinePropertiesTest {
    private static final PartitionLimits SMALL = new PartitionLimits(50, 8, 4);

    /** One step of a script, before offsets are known. */
    sealed interface Op {}
    record Produce(int timeAdvanceMs, List<String> idemKeys) implements Op {}
    record Commit(String group, int percentOfEnd) implements Op {}
    record Delete(int percentOfEnd) implements Op {}
    record Noop() implements Op {}

    @Provide
    Arbitrary<List<Op>> scripts() {
        Arbitrary<String> idem = Arbitraries.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l").injectNull(0.3);
        Arbitrary<Op> produce = Combinators.combine(
                Arbitraries.integers().between(-20, 30), idem.list().ofMinSize(1).ofMaxSize(5)).as(Produce::new);
        Arbitrary<Op> commit = Combinators.combine(
                Arbitraries.of("g1", "g2", "g3", "g4", "g5"), Arbitraries.integers().between(0, 120)).as(Commit::new);
        Arbitrary<Op> delete = Arbitraries.integers().between(0, 110).map(Delete::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, produce),
                net.jqwik.api.Tuple.of(3, commit),
                net.jqwik.api.Tuple.of(1, delete),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Noop())))
                .list().ofMinSize(1).ofMaxSize(60);
    }

    /** Turns a script into commands the way a leader would: base offsets follow the log end. */
    private static List<PartitionCommand> commands(List<Op> script) {
        List<PartitionCommand> out = new ArrayList<>();
        long next = 0;
        long clock = 1_000;
        for (Op op : script) {
            switch (op) {
                case Produce p -> {
                    clock += p.timeAdvanceMs();
                    List<BatchRecord> recs = new ArrayList<>();
                    for (String k : p.idemKeys()) {
                        recs.add(new BatchRecord(clock, null, new byte[] {(byte) next}, k));
                    }
                    out.add(new RecordBatch(next, recs));
                    next += recs.size();
                }
                case Commit c -> out.add(new GroupCommit(c.group(), Math.max(0, next * c.percentOfEnd() / 100)));
                case Delete d -> out.add(new DeleteBefore(next * d.percentOfEnd() / 100, DeleteReason.RETENTION));
                case Noop n -> out.add(new NoOp());
            }
        }
        return out;
    }

    @Property(tries = 300)
    void offsetsAreDenseCommitsMonotonicAndTheWindowBounded(@ForAll("scripts") List<Op> script) {
        PartitionStateMachine sm = new PartitionStateMachine(SMALL);
        Map<Long, String> keyAtOffset = new HashMap<>();
        Map<String, Long> lastCommitted = new HashMap<>();
        long expectedNext = 0;
        long logStart = 0;
        long index = 0;
        for (PartitionCommand c : commands(script)) {
            ApplyResult r = sm.apply(++index, 1 + index / 10, c);
            if (c instanceof RecordBatch b) {
                List<RecordOutcome> outcomes = ((BatchApplied) r).records();
                for (int i = 0; i < outcomes.size(); i++) {
                    RecordOutcome o = outcomes.get(i);
                    String key = b.records().get(i).idempotencyKey();
                    keyAtOffset.put(b.baseOffset() + i, key);
                    if (o.duplicate()) {
                        assertThat(o.offset()).isLessThan(b.baseOffset() + i);
                        assertThat(keyAtOffset.get(o.offset())).isEqualTo(key);
                    } else {
                        assertThat(o.offset()).isEqualTo(expectedNext + i);
                    }
                }
                expectedNext += outcomes.size();
            }
            assertThat(sm.nextOffset()).isEqualTo(expectedNext);
            assertThat(sm.logStart()).isBetween(logStart, sm.nextOffset());
            logStart = sm.logStart();
            for (Map.Entry<String, Long> g : sm.groupOffsets().entrySet()) {
                assertThat(g.getValue()).isGreaterThanOrEqualTo(lastCommitted.getOrDefault(g.getKey(), -1L))
                        .isLessThan(sm.nextOffset());
                lastCommitted.put(g.getKey(), g.getValue());
            }
            assertThat(lastCommitted.keySet()).isEqualTo(sm.groupOffsets().keySet());
            assertThat(sm.idempotencyKeys()).isLessThanOrEqualTo(SMALL.dedupeWindowKeysMax());
            assertThat(sm.groupOffsets().size()).isLessThanOrEqualTo(SMALL.groupsMax());
        }
        for (String key : List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l")) {
            IdempotencyWindow.Entry e = sm.lookupIdempotencyKey(key, Long.MIN_VALUE);
            if (e != null) {
                assertThat(keyAtOffset.get(e.offset())).as("window names the record that carried %s", key).isEqualTo(key);
            }
        }
        IdempotencyWindow w = sm.window();
        for (var entry : w.entriesOldestFirst()) {
            assertThat(w.clockMs() - entry.getValue().timestampMs()).isLessThanOrEqualTo(SMALL.dedupeWindowMs());
        }
    }

    @Property(tries = 300)
    void snapshotThenRestThenEqualsWholeLog(@ForAll("scripts") List<Op> script, @ForAll @IntRange(max = 100) int splitPercent) {
        List<PartitionCommand> cmds = commands(script);
        int split = cmds.size() * splitPercent / 100;
        PartitionStateMachine whole = new PartitionStateMachine(SMALL);
        PartitionStateMachine first = new PartitionStateMachine(SMALL);
        for (int i = 0; i < cmds.size(); i++) {
            whole.apply(i + 1, 1, cmds.get(i));
            if (i < split) {
                first.apply(i + 1, 1, cmds.get(i));
            }
        }
        PartitionStateMachine resumed = PartitionStateMachine.restore(first.snapshot(), SMALL);
        for (int i = split; i < cmds.size(); i++) {
            resumed.apply(i + 1, 1, cmds.get(i));
        }
        assertThat(resumed.snapshot()).isEqualTo(whole.snapshot());
    }

    @Property(tries = 200)
    void applyingTheDataFreeDecodingGivesTheSameState(@ForAll("scripts") List<Op> script) {
        PartitionStateMachine full = new PartitionStateMachine(SMALL);
        PartitionStateMachine light = new PartitionStateMachine(SMALL);
        long index = 0;
        for (PartitionCommand c : commands(script)) {
            byte[] payload = PartitionCodec.encode(c);
            index++;
            assertThat(light.apply(index, 1, PartitionCodec.decodeForApply(payload)))
                    .isEqualTo(full.apply(index, 1, PartitionCodec.decode(payload)));
        }
        assertThat(light.snapshot()).isEqualTo(full.snapshot());
    }

    @Property(tries = 200)
    void everyCommandRoundTripsThroughTheCodec(@ForAll("scripts") List<Op> script) {
        for (PartitionCommand c : commands(script)) {
            assertThat(PartitionCodec.decode(PartitionCodec.encode(c))).isEqualTo(c);
        }
    }
}
