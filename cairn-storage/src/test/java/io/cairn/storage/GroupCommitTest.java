package io.cairn.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Many concurrent appenders share fsyncs: batching comes from the flusher, not from cheap fsyncs. */
class GroupCommitTest {
    @TempDir
    Path dir;
    Flusher flusher;

    @BeforeEach
    void start() {
        flusher = new Flusher("group-commit-test");
    }

    @AfterEach
    void stop() {
        flusher.close();
    }

    @Test
    void appendAndWhenDurableReturnAtOnceWhileTheFsyncIsStuck() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        CountDownLatch fsyncGate = new CountDownLatch(1);
        disk.flusherGate = fsyncGate;
        SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher, disk);
        try {
            // The flusher's fsync is stuck, as on a stalled disk; an event loop calling these must not be.
            log.append(TestEntries.data(1, 1, 0, 1));
            log.append(TestEntries.data(1, 2, 1, 1));
            CompletableFuture<Void> durable = log.whenDurable(2);
            AtomicReference<String> completedOn = new AtomicReference<>();
            CompletableFuture<Void> ack = durable.thenRun(() -> completedOn.set(Thread.currentThread().getName()));
            assertThat(durable).isNotDone();
            assertThat(log.lastIndex()).as("written").isEqualTo(2);
            assertThat(log.durableIndex()).as("not yet fsynced").isZero();
            assertThat(log.readFromIndex(1, 10, Integer.MAX_VALUE)).hasSize(2);

            fsyncGate.countDown();
            ack.get(30, TimeUnit.SECONDS);
            assertThat(log.durableIndex()).isEqualTo(2);
            // The ack ran where the fsync finished, not on the caller that asked.
            assertThat(completedOn.get()).startsWith("cairn-flusher-");
        } finally {
            fsyncGate.countDown();
            log.close();
        }
    }

    /** @param fsyncDelayMicros 0 for this machine's real fsync, 2000 for a disk as slow as a real one */
    @ParameterizedTest
    @ValueSource(ints = {0, 2000})
    void concurrentAppendersShareFsyncs(int fsyncDelayMicros) throws Exception {
        FaultyDisk disk = new FaultyDisk();
        disk.fsyncDelayNanos = TimeUnit.MICROSECONDS.toNanos(fsyncDelayMicros);
        int writers = 16;
        int appendsPerWriter = 100;
        AtomicLong failures = new AtomicLong();
        try (SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher, disk)) {
            long fsyncsBefore = flusher.fsyncCount();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                Thread t = new Thread(() -> {
                    for (int i = 0; i < appendsPerWriter; i++) {
                        try {
                            long index;
                            // Appends are serialised (one owner at a time); the wait for durability is not.
                            synchronized (log) {
                                index = log.lastIndex() + 1;
                                log.append(TestEntries.data(1, index, log.nextOffset(), 1));
                            }
                            log.whenDurable(index).get(30, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(120));
            }
            long appends = (long) writers * appendsPerWriter;
            long fsyncs = flusher.fsyncCount() - fsyncsBefore;
            System.out.printf("fsync delay %d us: %d appends, %d fsyncs%n", fsyncDelayMicros, appends, fsyncs);
            assertThat(failures.get()).isZero();
            assertThat(log.lastIndex()).isEqualTo(appends);
            assertThat(log.durableIndex()).isEqualTo(appends);
            // Each writer waits for its own entry, so while one fsync runs up to 15 others queue up
            // behind it; with a slow disk nearly all of them share the next fsync.
            assertThat(fsyncs).isLessThan(fsyncDelayMicros > 0 ? appends / 4 : appends / 2);
        }
    }
}
