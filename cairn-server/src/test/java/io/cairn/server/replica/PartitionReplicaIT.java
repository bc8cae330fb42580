package io.cairn.server.replica;

import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.ConsumeResult;
import io.cairn.server.broker.PartitionHandle.ProduceResult;
import io.cairn.server.broker.PartitionHandle.RecordResult;
import io.cairn.server.broker.PartitionHandle.StoredRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.cairn.server.replica.ReplicaHarness.await;
import static io.cairn.server.replica.ReplicaHarness.produce;
import static io.cairn.server.replica.ReplicaHarness.rec;
import static io.cairn.server.replica.ReplicaHarness.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A one-voter Raft replica over real segment files: the single-node write and read paths. */
class PartitionReplicaIT {
    @TempDir
    Path dir;

    private final ReplicaHarness harness = new ReplicaHarness(ReplicaHarness.defaults());

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void producedRecordsComeBackInOrderWithDenseOffsets() throws Exception {
        PartitionReplica p = harness.open(dir);
        ProduceResult a = produce(p, rec("a"), rec("b"));
        ProduceResult b = produce(p, rec("c"));
        assertThat(a.results()).containsExactly(new RecordResult(0, false), new RecordResult(1, false));
        assertThat(b.results()).containsExactly(new RecordResult(2, false));

        ConsumeResult page = await(p.consume(0, 100, 1 << 20, 0));
        assertThat(page.records()).extracting(StoredRecord::offset).containsExactly(0L, 1L, 2L);
        assertThat(page.records()).extracting(r -> new String(r.value())).containsExactly("a", "b", "c");
        assertThat(page.nextOffset()).isEqualTo(3);
        assertThat(page.highWatermark()).isEqualTo(3);
        assertThat(p.status().leaderId()).isEqualTo("n1");
    }

    @Test
    void consumeHonoursLimitAndMaxBytesButReturnsAtLeastOneRecord() throws Exception {
        PartitionReplica p = harness.open(dir);
        produce(p, rec("0123456789"), rec("0123456789"), rec("0123456789"));
        assertThat(await(p.consume(0, 2, 1 << 20, 0)).records()).hasSize(2);
        ConsumeResult small = await(p.consume(1, 100, 3, 0));
        assertThat(small.records()).extracting(StoredRecord::offset).containsExactly(1L);
        assertThat(small.nextOffset()).isEqualTo(2);
        ConsumeResult end = await(p.consume(3, 100, 1 << 20, 0));
        assertThat(end.records()).isEmpty();
        assertThat(end.nextOffset()).isEqualTo(3);
    }

    @Test
    void longPollWakesWhenARecordCommits() throws Exception {
        PartitionReplica p = harness.open(dir);
        CompletableFuture<ConsumeResult> waiting = p.consume(0, 10, 1 << 20, 20_000);
        assertThat(waiting).isNotDone();
        produce(p, rec("late"));
        ConsumeResult page = await(waiting);
        assertThat(page.records()).extracting(r -> new String(r.value())).containsExactly("late");
    }

    @Test
    void longPollAnswersAnEmptyPageWhenTheWaitEnds() throws Exception {
        PartitionReplica p = harness.open(dir);
        ConsumeResult page = await(p.consume(0, 10, 1 << 20, 50));
        assertThat(page.records()).isEmpty();
        assertThat(page.nextOffset()).isZero();
    }

    @Test
    void aRetriedIdempotencyKeyGetsTheOriginalOffset() throws Exception {
        PartitionReplica p = harness.open(dir);
        produce(p, rec("x"));
        ProduceResult first = produce(p, rec("v1", "k1"), rec("v2", "k2"));
        ProduceResult retry = produce(p, rec("v1", "k1"), rec("v3", "k3"));
        ProduceResult sameRequestTwice = produce(p, rec("v4", "k4"), rec("v4", "k4"));
        assertThat(first.results()).containsExactly(new RecordResult(1, false), new RecordResult(2, false));
        assertThat(retry.results()).containsExactly(new RecordResult(1, true), new RecordResult(3, false));
        assertThat(sameRequestTwice.results()).containsExactly(new RecordResult(4, false), new RecordResult(4, true));
        assertThat(await(p.consume(0, 100, 1 << 20, 0)).records()).hasSize(5);
    }

    @Test
    void concurrentRetriesOfOneKeyShareOneOffset() throws Exception {
        PartitionReplica p = harness.open(dir);
        List<CompletableFuture<ProduceResult>> fs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fs.add(p.produce(List.of(rec("same", "k")), PartitionHandle.Acks.MAJORITY, 10_000));
        }
        long duplicates = 0;
        for (CompletableFuture<ProduceResult> f : fs) {
            RecordResult r = await(f).results().get(0);
            assertThat(r.offset()).isZero();
            duplicates += r.duplicate() ? 1 : 0;
        }
        assertThat(duplicates).isEqualTo(49);
        assertThat(p.status().highWatermark()).isEqualTo(1);
    }

    @Test
    void groupCommitsAreMonotonicAndBoundedByTheHighWatermark() throws Exception {
        PartitionReplica p = harness.open(dir);
        produce(p, rec("a"), rec("b"), rec("c"));
        assertThat(await(p.commit("g", 1))).isEqualTo(new PartitionHandle.CommitResult(1, true));
        assertThat(await(p.commit("g", 0))).isEqualTo(new PartitionHandle.CommitResult(1, false));
        assertThat(await(p.commit("g", 2))).isEqualTo(new PartitionHandle.CommitResult(2, true));
        assertThatThrownBy(() -> await(p.commit("g", 3))).isInstanceOf(BrokerException.BadRequest.class);
        assertThat(p.committedOffset("g")).isEqualTo(2);
        assertThat(p.committedOffset("other")).isEqualTo(-1);
        assertThat(p.groupOffsets()).containsEntry("g", 2L);
    }

    @Test
    void aGroupResumeReadsTheCommittedOffsetOnceLeadershipIsConfirmed() throws Exception {
        PartitionReplica p = harness.open(dir);
        produce(p, rec("a"), rec("b"), rec("c"));
        assertThat(await(p.leaderCommittedOffset("g"))).as("no commit yet").isEqualTo(-1);
        await(p.commit("g", 1));
        // Right after the commit's answer: a linearizable read sees it.
        assertThat(await(p.leaderCommittedOffset("g"))).isEqualTo(1);
        List<CompletableFuture<Long>> many = new ArrayList<>();
        for (int k = 0; k < 100; k++) {
            many.add(p.leaderCommittedOffset(k % 2 == 0 ? "g" : "other"));
        }
        for (int k = 0; k < 100; k++) {
            assertThat(await(many.get(k))).as("read %s", k).isEqualTo(k % 2 == 0 ? 1 : -1);
        }
        p.close();
        assertThatThrownBy(() -> await(p.leaderCommittedOffset("g"))).isInstanceOf(BrokerException.Unavailable.class);
    }

    @Test
    void badInputIsRefusedAndChangesNothing() throws Exception {
        PartitionReplica p = harness.open(dir);
        assertThatThrownBy(() -> await(p.produce(List.of(), PartitionHandle.Acks.MAJORITY, 1000)))
                .isInstanceOf(BrokerException.BadRequest.class);
        byte[] big = new byte[(1 << 20) + 1];
        assertThatThrownBy(() -> await(p.produce(List.of(new PartitionHandle.ProduceRecord(null, big, null)),
                PartitionHandle.Acks.MAJORITY, 1000))).isInstanceOf(BrokerException.BadRequest.class);
        assertThatThrownBy(() -> await(p.produce(List.of(rec("v", "k".repeat(257))), PartitionHandle.Acks.MAJORITY, 1000)))
                .isInstanceOf(BrokerException.BadRequest.class);
        assertThatThrownBy(() -> await(p.commit("g", -1))).isInstanceOf(BrokerException.BadRequest.class);
        assertThatThrownBy(() -> await(p.consume(-1, 10, 10, 0))).isInstanceOf(BrokerException.BadRequest.class);
        assertThat(p.status().highWatermark()).isZero();
    }

    @Test
    void everyWriteConcernIsMetOnAOneVoterGroup() throws Exception {
        PartitionReplica p = harness.open(dir);
        for (PartitionHandle.Acks acks : PartitionHandle.Acks.values()) {
            ProduceResult r = await(p.produce(List.of(rec(acks.name())), acks, 10_000));
            assertThat(r.results().get(0).duplicate()).isFalse();
        }
        assertThat(await(p.consume(0, 10, 1 << 20, 0)).records()).extracting(x -> new String(x.value()))
                .containsExactly("LEADER", "MAJORITY", "ALL");
    }

    @Test
    void aFullQueueAnswersOverloadedAndAnExpiredRequestIsNeverWritten() throws Exception {
        harness.close();
        ReplicaHarness small = new ReplicaHarness(ReplicaHarness.defaults().withProduceQueue(2, 1 << 20));
        try {
            PartitionReplica p = small.open(dir);
            java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            p.runOnGroupThread(() -> {
                held.countDown();
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            held.await();
            CompletableFuture<ProduceResult> kept = p.produce(List.of(rec("kept")), PartitionHandle.Acks.MAJORITY, 30_000);
            long enqueued = System.nanoTime();
            CompletableFuture<ProduceResult> expires = p.produce(List.of(rec("expires")), PartitionHandle.Acks.MAJORITY, 1);
            assertThatThrownBy(() -> await(p.produce(List.of(rec("refused")), PartitionHandle.Acks.MAJORITY, 30_000)))
                    .isInstanceOf(BrokerException.Overloaded.class);
            while (System.nanoTime() - enqueued < 2_000_000) {
                Thread.onSpinWait(); // the 1 ms deadline must pass while the group thread is held
            }
            hold.countDown();
            assertThat(await(kept).results()).containsExactly(new RecordResult(0, false));
            assertThatThrownBy(() -> await(expires)).isInstanceOf(BrokerException.OutcomeUnknown.class);
            assertThat(await(p.consume(0, 10, 1 << 20, 0)).records()).extracting(x -> new String(x.value()))
                    .containsExactly("kept");
        } finally {
            small.close();
        }
    }

    @Test
    void keysAndEmptyValuesSurviveTheRoundTrip() throws Exception {
        PartitionReplica p = harness.open(dir);
        await(p.produce(List.of(new PartitionHandle.ProduceRecord(utf8("key"), new byte[0], null)),
                PartitionHandle.Acks.LEADER, 10_000));
        StoredRecord r = await(p.consume(0, 1, 100, 0)).records().get(0);
        assertThat(r.key()).isEqualTo(utf8("key"));
        assertThat(r.value()).isEmpty();
        assertThat(r.timestampMs()).isPositive();
    }
}
