package io.cairn.server.replica;

import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionFactory.PartitionSettings;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.CommitResult;
import io.cairn.server.broker.PartitionHandle.ConsumeResult;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;
import io.cairn.server.broker.PartitionHandle.ProduceResult;
import io.cairn.server.broker.PartitionHandle.RecordResult;
import io.cairn.server.broker.PartitionHandle.StoredRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static io.cairn.server.replica.ReplicaHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random operations against one replica over real files: concurrent produces with
 * repeating idempotency keys, commits, delete-befores and restarts, checked against a model after
 * every step. Prints its seed; rerun one with {@code -Dcairn.replica.seed=N}.
 */
class ReplicaRandomOpsIT {
    private static final PartitionSettings SMALL_SEGMENTS = new PartitionSettings(4096, 0, 1 << 20, 600_000, 1_000_000);
    private static final int STEPS = 250;
    private static final int KEYS = 300;

    @TempDir
    Path dir;

    private ReplicaHarness harness = new ReplicaHarness(ReplicaHarness.defaults().withCheckpointIntervalBytes(8192));

    /** The model: what each offset holds, who owns each key, each group's commit, the log start. */
    private final Map<Long, String> values = new HashMap<>();
    private final Map<String, Long> keyOwner = new HashMap<>();
    private final Map<String, Long> commits = new HashMap<>();
    private long logStart;

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void randomOperationsKeepEveryPromise() throws Exception {
        long seed = Long.getLong("cairn.replica.seed", System.nanoTime());
        System.out.println("ReplicaRandomOpsIT seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        PartitionReplica p = harness.open(dir, SMALL_SEGMENTS);
        int restarts = 0;
        for (int step = 0; step < STEPS; step++) {
            int op = random.nextInt(100);
            String at = "seed " + seed + " step " + step;
            if (op < 60) {
                produceConcurrently(p, random, at);
            } else if (op < 80) {
                commit(p, random, at);
            } else if (op < 88) {
                deleteBefore(p, random, at);
            } else if (op < 92) {
                harness.restart();
                p = harness.open(dir, SMALL_SEGMENTS);
                restarts++;
                checkEverything(p, at + " after restart");
            } else {
                checkEverything(p, at);
            }
        }
        checkEverything(p, "seed " + seed + " end");
        System.out.printf("ReplicaRandomOpsIT: %d records, %d keys owned, %d restarts, log start %d%n",
                values.size(), keyOwner.size(), restarts, logStart);
    }

    private void produceConcurrently(PartitionHandle p, SplittableRandom random, String at) throws Exception {
        int requests = 1 + random.nextInt(6);
        List<List<ProduceRecord>> batches = new ArrayList<>();
        List<CompletableFuture<ProduceResult>> futures = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            List<ProduceRecord> batch = new ArrayList<>();
            int n = 1 + random.nextInt(5);
            for (int i = 0; i < n; i++) {
                String key = random.nextInt(3) == 0 ? null : "k" + random.nextInt(KEYS);
                String value = "v" + random.nextLong();
                batch.add(new ProduceRecord(null, value.getBytes(StandardCharsets.UTF_8), key));
            }
            batches.add(batch);
            PartitionHandle.Acks acks = PartitionHandle.Acks.values()[random.nextInt(3)];
            futures.add(p.produce(batch, acks, 10_000));
        }
        long hwBefore = values.isEmpty() ? 0 : values.keySet().stream().mapToLong(Long::longValue).max().getAsLong() + 1;
        Map<String, Long> ownersThisRound = new HashMap<>();
        for (int r = 0; r < requests; r++) {
            List<RecordResult> results = await(futures.get(r)).results();
            List<ProduceRecord> batch = batches.get(r);
            assertThat(results).as(at).hasSize(batch.size());
            for (int i = 0; i < results.size(); i++) {
                RecordResult res = results.get(i);
                String key = batch.get(i).idempotencyKey();
                String value = new String(batch.get(i).value(), StandardCharsets.UTF_8);
                if (res.duplicate()) {
                    assertThat(key).as("%s: only records with a key are duplicates", at).isNotNull();
                    Long owner = keyOwner.getOrDefault(key, ownersThisRound.get(key));
                    assertThat(owner).as("%s: duplicate of %s names its first offset", at, key).isEqualTo(res.offset());
                } else {
                    assertThat(values).as("%s: offset %d given twice", at, res.offset()).doesNotContainKey(res.offset());
                    assertThat(res.offset()).as(at).isGreaterThanOrEqualTo(hwBefore);
                    if (key != null) {
                        assertThat(keyOwner).as("%s: key %s written twice", at, key).doesNotContainKey(key);
                        assertThat(ownersThisRound).as("%s: key %s written twice", at, key).doesNotContainKey(key);
                        ownersThisRound.put(key, res.offset());
                    }
                    values.put(res.offset(), value);
                }
            }
        }
        keyOwner.putAll(ownersThisRound);
        long hw = p.status().highWatermark();
        assertThat(hw).as("%s: offsets are dense", at).isEqualTo(values.size() + 0L);
    }

    private void commit(PartitionHandle p, SplittableRandom random, String at) throws Exception {
        if (values.isEmpty()) {
            return;
        }
        String group = "g" + random.nextInt(3);
        long offset = random.nextLong(values.size());
        long before = commits.getOrDefault(group, -1L);
        CommitResult r = await(p.commit(group, offset));
        assertThat(r).as(at).isEqualTo(new CommitResult(Math.max(before, offset), offset > before));
        commits.put(group, r.committedOffset());
        try {
            await(p.commit(group, values.size()));
            throw new AssertionError(at + ": commit at the high watermark was accepted");
        } catch (BrokerException.BadRequest expected) {
            assertThat(p.committedOffset(group)).isEqualTo(r.committedOffset());
        }
    }

    private void deleteBefore(PartitionHandle p, SplittableRandom random, String at) throws Exception {
        if (values.isEmpty()) {
            return;
        }
        long offset = random.nextLong(values.size() + 1);
        PartitionHandle.DeleteBeforeResult r = await(p.deleteBefore(offset));
        logStart = Math.max(logStart, offset);
        assertThat(r.logStart()).as(at).isEqualTo(logStart);
    }

    private void checkEverything(PartitionHandle p, String at) throws Exception {
        assertThat(p.status().highWatermark()).as(at).isEqualTo(values.size() + 0L);
        assertThat(p.status().logStart()).as(at).isEqualTo(logStart);
        for (Map.Entry<String, Long> c : commits.entrySet()) {
            assertThat(p.committedOffset(c.getKey())).as("%s: group %s", at, c.getKey()).isEqualTo(c.getValue());
        }
        long next = logStart;
        for (int pages = 0; pages < 100_000 && next < values.size(); pages++) {
            ConsumeResult page = await(p.consume(next, 50, 1 << 20, 0));
            assertThat(page.reset()).as(at).isFalse();
            assertThat(page.records()).as("%s: a page at %d below the high watermark", at, next).isNotEmpty();
            for (StoredRecord r : page.records()) {
                assertThat(r.offset()).as(at).isEqualTo(next);
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).as("%s: offset %d", at, r.offset())
                        .isEqualTo(values.get(r.offset()));
                next++;
            }
            assertThat(page.nextOffset()).as(at).isEqualTo(next);
        }
        if (logStart > 0) {
            assertThat(await(p.consume(logStart - 1, 10, 1 << 20, 0)).reset()).as(at).isTrue();
        }
        // Every owned key is still a duplicate at its first offset (the window is 10 minutes).
        for (Map.Entry<String, Long> k : keyOwner.entrySet()) {
            RecordResult r = await(p.produce(List.of(new ProduceRecord(null, new byte[] {0}, k.getKey())),
                    PartitionHandle.Acks.MAJORITY, 10_000)).results().get(0);
            assertThat(r).as("%s: retry of %s", at, k.getKey()).isEqualTo(new RecordResult(k.getValue(), true));
        }
    }
}
