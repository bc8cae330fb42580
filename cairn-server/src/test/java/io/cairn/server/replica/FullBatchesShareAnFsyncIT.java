package io.cairn.server.replica;

import io.cairn.server.broker.PartitionFactory.PartitionSettings;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;
import io.cairn.server.broker.PartitionHandle.ProduceResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.cairn.server.replica.ReplicaHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Group commit with large writes: when more than one full batch entry is queued, a round
 * proposes several of them before waiting for the fsync, so one fsync covers more than
 * {@code batchBytesMax} of records (with one entry per fsync, 64 NDJSON writers moved one MiB per
 * fsync and the rest of the queue waited). Offsets stay dense and in request order.
 */
class FullBatchesShareAnFsyncIT {
    /** Each request carries 600 KB of values, so with the 1 MiB batchBytesMax every request is its own entry. */
    private static final int REQUESTS = 8;
    private static final int RECORDS_PER_REQUEST = 4;
    private static final int VALUE_BYTES = 150_000;
    private static final PartitionSettings SETTINGS = new PartitionSettings(64L << 20, 0, 1 << 20, 600_000, 1_000_000);

    @TempDir
    Path dir;

    private final ReplicaHarness harness = new ReplicaHarness(ReplicaHarness.defaults());

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void queuedFullBatchesAreProposedTogetherAndKeepTheirOrder() throws Exception {
        PartitionReplica p = harness.open(dir, SETTINGS);
        // Hold the group thread so that every request is queued before the round that proposes them.
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        p.runOnGroupThread(() -> {
            held.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<ProduceResult>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < REQUESTS; i++) {
                List<ProduceRecord> records = new ArrayList<>();
                for (int r = 0; r < RECORDS_PER_REQUEST; r++) {
                    byte[] value = new byte[VALUE_BYTES];
                    Arrays.fill(value, (byte) ('a' + i));
                    records.add(new ProduceRecord(null, value, null));
                }
                futures.add(p.produce(records, PartitionHandle.Acks.MAJORITY, 30_000));
            }
        } finally {
            release.countDown();
        }
        for (int i = 0; i < REQUESTS; i++) {
            ProduceResult r = await(futures.get(i));
            assertThat(r.results()).hasSize(RECORDS_PER_REQUEST);
            for (int k = 0; k < RECORDS_PER_REQUEST; k++) {
                assertThat(r.results().get(k).offset()).isEqualTo((long) i * RECORDS_PER_REQUEST + k);
            }
        }
        PartitionReplica.Stats stats = p.stats();
        assertThat(stats.batchEntries()).as("one entry per 600 KB request").isEqualTo(REQUESTS);
        // The first round found all eight requests queued: it may not stop at one entry.
        assertThat(stats.roundBatchEntriesMax()).as("batch entries proposed in one round").isGreaterThanOrEqualTo(4);
    }
}
