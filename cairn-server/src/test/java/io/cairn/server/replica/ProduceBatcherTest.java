package io.cairn.server.replica;

import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionCommand.RecordBatch;
import io.cairn.core.partition.PartitionLimits;
import io.cairn.core.partition.PartitionStateMachine;
import io.cairn.server.broker.PartitionHandle.Acks;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;
import io.cairn.server.broker.PartitionHandle.RecordResult;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Coalescing and dedupe on the produce path, without threads or files. */
class ProduceBatcherTest {
    private final PartitionStateMachine sm = new PartitionStateMachine(PartitionLimits.DEFAULTS);
    private final ProduceBatcher batcher = new ProduceBatcher();
    private final ProduceQueue queue = new ProduceQueue(100, 1 << 20);

    private ProduceRequest enqueue(String... idemKeys) {
        List<ProduceRecord> recs = new java.util.ArrayList<>();
        for (String k : idemKeys) {
            recs.add(new ProduceRecord(null, new byte[] {1, 2, 3}, k));
        }
        ProduceRequest r = new ProduceRequest(recs, Acks.MAJORITY, 1000, 0);
        assertThat(queue.offer(r)).isTrue();
        return r;
    }

    @Test
    void queuedRequestsBecomeOneBatchWithConsecutiveOffsets() {
        ProduceRequest a = enqueue(null, null);
        ProduceRequest b = enqueue((String) null);
        ProduceBatcher.Batch batch = batcher.drain(queue, 1 << 20, 10, 5, 0, sm);
        assertThat(batch.records()).hasSize(3);
        assertThat(a.results).containsExactly(new RecordResult(10, false), new RecordResult(11, false));
        assertThat(b.results).containsExactly(new RecordResult(12, false));
        assertThat(batch.joining()).containsExactly(a, b);
        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void aKeySeenInTheBatchInFlightOrInTheWindowIsADuplicate() {
        sm.apply(1, 1, new RecordBatch(0, List.of(new BatchRecord(5, null, new byte[0], "applied"))));
        ProduceRequest first = enqueue("inflight");
        ProduceBatcher.Batch b1 = batcher.drain(queue, 1 << 20, 1, 5, 0, sm);
        batcher.proposed(b1, 2, 1);

        ProduceRequest mix = enqueue("new", "new", "inflight", "applied");
        ProduceBatcher.Batch b2 = batcher.drain(queue, 1 << 20, 2, 6, 0, sm);
        assertThat(first.results).containsExactly(new RecordResult(1, false));
        assertThat(mix.results).containsExactly(new RecordResult(2, false), new RecordResult(2, true),
                new RecordResult(1, true), new RecordResult(0, true));
        assertThat(b2.records()).hasSize(1);
        assertThat(mix.waitIndex).as("waits at least for the in-flight owner").isEqualTo(2);

        batcher.settled(List.of("inflight"), 2);
        assertThat(batcher.inflightKeys()).isZero();
    }

    @Test
    void aRequestOfOnlyAppliedDuplicatesWaitsForNothing() {
        sm.apply(1, 1, new RecordBatch(0, List.of(new BatchRecord(5, null, new byte[0], "k"))));
        ProduceRequest dup = enqueue("k");
        ProduceBatcher.Batch b = batcher.drain(queue, 1 << 20, 1, 5, 0, sm);
        assertThat(b.records()).isEmpty();
        assertThat(b.joining()).isEmpty();
        assertThat(dup.waitIndex).isZero();
        assertThat(dup.results).containsExactly(new RecordResult(0, true));
    }

    @Test
    void requestsAreNeverSplitAndTheBatchStopsAtItsByteBound() {
        enqueue(null, null);
        enqueue((String) null);
        ProduceBatcher.Batch b = batcher.drain(queue, 7, 0, 5, 0, sm);
        assertThat(b.records()).hasSize(2);
        assertThat(queue.requests()).isEqualTo(1);
    }

    @Test
    void theQueueRefusesBeyondItsBounds() {
        ProduceQueue small = new ProduceQueue(1, 1 << 20);
        assertThat(small.offer(new ProduceRequest(List.of(new ProduceRecord(null, new byte[1], null)), Acks.LEADER, 1, 0))).isTrue();
        assertThat(small.offer(new ProduceRequest(List.of(new ProduceRecord(null, new byte[1], null)), Acks.LEADER, 1, 0))).isFalse();
        assertThat(small.requests()).isEqualTo(1);
    }
}
