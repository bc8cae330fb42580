package io.cairn.server.replica;

import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.ProduceResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import static io.cairn.server.replica.ReplicaHarness.await;
import static io.cairn.server.replica.ReplicaHarness.rec;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Group commit on the produce path: many concurrent produce requests to one partition share
 * entries and fsyncs instead of paying one each.
 */
class GroupCommitIT {
    private static final int THREADS = 8;
    private static final int REQUESTS_PER_THREAD = 100;

    @TempDir
    Path dir;

    private final ReplicaHarness harness = new ReplicaHarness(ReplicaHarness.defaults());

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void concurrentProducesShareEntriesAndFsyncs() throws Exception {
        PartitionReplica p = harness.open(dir);
        PartitionReplica.Stats before = p.stats();
        ConcurrentLinkedQueue<CompletableFuture<ProduceResult>> futures = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
                    futures.add(p.produce(List.of(rec("t" + id + "-" + i)), PartitionHandle.Acks.MAJORITY, 30_000));
                }
            });
            th.start();
            threads.add(th);
        }
        go.countDown();
        for (Thread th : threads) {
            th.join();
        }
        TreeSet<Long> offsets = new TreeSet<>();
        for (CompletableFuture<ProduceResult> f : futures) {
            offsets.add(await(f).results().get(0).offset());
        }
        int requests = THREADS * REQUESTS_PER_THREAD;
        assertThat(offsets).hasSize(requests);
        assertThat(offsets.first()).isZero();
        assertThat(offsets.last()).isEqualTo(requests - 1);

        PartitionReplica.Stats after = p.stats();
        long entries = after.batchEntries() - before.batchEntries();
        long fsyncs = after.fsyncs() - before.fsyncs();
        System.out.printf("group commit: %d produce requests -> %d batch entries, %d fsyncs (%.1f requests per entry)%n",
                requests, entries, fsyncs, requests / (double) entries);
        assertThat(after.produceRequests() - before.produceRequests()).isEqualTo(requests);
        assertThat(entries).as("batch entries for %d requests", requests).isLessThanOrEqualTo(requests / 4);
        assertThat(fsyncs).as("fsyncs for %d requests", requests).isLessThanOrEqualTo(requests / 4);
    }

    /**
     * The exact claim of the produce path: requests that are all queued when the group thread
     * takes its next round become one log entry and share one fsync. The group thread is held
     * while they queue, so the outcome does not depend on scheduling.
     */
    @Test
    void requestsQueuedTogetherBecomeOneEntryAndOneFsync() throws Exception {
        PartitionReplica p = harness.open(dir);
        await(p.produce(List.of(rec("warm-up")), PartitionHandle.Acks.MAJORITY, 30_000));
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        p.runOnGroupThread(() -> {
            held.countDown();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(held.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        PartitionReplica.Stats before = p.stats();
        int requests = 64;
        List<CompletableFuture<ProduceResult>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < requests; i++) {
                futures.add(p.produce(List.of(rec("queued-" + i)), PartitionHandle.Acks.MAJORITY, 30_000));
            }
        } finally {
            release.countDown();
        }
        for (int i = 0; i < requests; i++) {
            assertThat(await(futures.get(i)).results().get(0).offset()).as("request %d", i).isEqualTo(1L + i);
        }
        PartitionReplica.Stats after = p.stats();
        assertThat(after.produceRequests() - before.produceRequests()).isEqualTo(requests);
        assertThat(after.batchEntries() - before.batchEntries()).as("log entries for %d queued requests", requests)
                .isEqualTo(1);
        assertThat(after.fsyncs() - before.fsyncs()).as("fsyncs for %d queued requests", requests).isEqualTo(1);
    }

    @Test
    void aLoneRequestIsNotHeldBack() throws Exception {
        PartitionReplica p = harness.open(dir);
        for (int i = 0; i < 20; i++) {
            ProduceResult r = await(p.produce(List.of(rec("solo" + i)), PartitionHandle.Acks.MAJORITY, 30_000));
            assertThat(r.results().get(0).offset()).isEqualTo(i);
        }
        assertThat(p.stats().batchEntries()).isEqualTo(20);
    }

    /**
     * With an answer executor (an HTTP event loop in the node), results are delivered by tasks on
     * it, one per settled group commit rather than one per request, and never complete on the
     * group thread itself.
     */
    @Test
    void resultsAreDeliveredOnTheCallersExecutorOneTaskPerGroupCommit() throws Exception {
        PartitionReplica p = harness.open(dir);
        PartitionReplica.Stats before = p.stats();
        var tasks = new java.util.concurrent.atomic.AtomicInteger();
        var loop = java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "answer-loop"));
        // Tasks are held until every callback below is attached: a callback attached to a future
        // that is already complete runs on the attaching thread, which would prove nothing.
        List<Runnable> held = new ArrayList<>();
        boolean[] released = {false};
        java.util.concurrent.Executor counting = task -> {
            tasks.incrementAndGet();
            synchronized (held) {
                if (!released[0]) {
                    held.add(task);
                    return;
                }
            }
            loop.execute(task);
        };
        try {
            ConcurrentLinkedQueue<String> completedOn = new ConcurrentLinkedQueue<>();
            List<CompletableFuture<ProduceResult>> futures = new ArrayList<>();
            int requests = 400;
            for (int i = 0; i < requests; i++) {
                var f = p.produce(List.of(rec("v" + i)), PartitionHandle.Acks.MAJORITY, 30_000, counting);
                futures.add(f.whenComplete((r, e) -> completedOn.add(Thread.currentThread().getName())));
            }
            synchronized (held) {
                released[0] = true;
                held.forEach(loop::execute);
            }
            TreeSet<Long> offsets = new TreeSet<>();
            for (CompletableFuture<ProduceResult> f : futures) {
                offsets.add(await(f).results().get(0).offset());
            }
            assertThat(offsets).hasSize(requests);
            assertThat(completedOn).hasSize(requests).containsOnly("answer-loop");
            long entries = p.stats().batchEntries() - before.batchEntries();
            assertThat(tasks.get()).as("delivery tasks for %d requests in %d entries", requests, entries)
                .isLessThanOrEqualTo((int) entries);
        } finally {
            loop.shutdown();
        }
    }
}
