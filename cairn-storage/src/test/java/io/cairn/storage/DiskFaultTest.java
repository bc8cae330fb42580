package io.cairn.storage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.cairn.storage.TestEntries.appendNext;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Disk full is survivable and leaves the log as it was; a failed fsync is fatal and never retried. */
class DiskFaultTest {
    @TempDir
    Path dir;
    Flusher flusher;
    final FaultyDisk disk = new FaultyDisk();

    @BeforeEach
    void start() {
        flusher = new Flusher("fault-test");
    }

    @AfterEach
    void stop() {
        flusher.close();
    }

    static LogConfig config() {
        return LogConfig.defaults().withSegmentBytesMax(2048).withIndexIntervalBytes(128);
    }

    @Test
    void diskFullLeavesTheLogUnchangedAndAppendsResumeOnceSpaceIsFreed() throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher, disk)) {
            for (int i = 0; i < 30; i++) {
                written.add(appendNext(log, 1, 1));
            }
            // Every budget from 0 to past one frame: the failure lands in the frame, the index point or a seal.
            for (int budget = 0; budget < 200; budget += 7) {
                long lastBefore = log.lastIndex();
                long frameBytesBefore = frameFileBytes();
                disk.writeBudgetBytes.set(budget);
                LogEntry next = TestEntries.data(1, log.lastIndex() + 1, log.nextOffset(), 1);
                try {
                    log.append(next);
                    written.add(next);
                } catch (DiskFullException full) {
                    assertThat(log.lastIndex()).isEqualTo(lastBefore);
                    // No byte of the refused frame stays in a .log file. (Index files may legitimately
                    // grow: the flusher can make points durable at any moment, and a seal adds a footer.)
                    assertThat(frameFileBytes()).isEqualTo(frameBytesBefore);
                    assertThat(log.failure()).isNull();
                }
                disk.unlimited();
                assertThat(log.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
                written.add(appendNext(log, 1, 1));
            }
            log.whenDurable(log.lastIndex()).get(10, TimeUnit.SECONDS);
        }
        try (SegmentLog again = SegmentLog.open(dir, config(), flusher)) {
            assertThat(again.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
            assertThat(again.recoveryTruncatedBytes()).isZero();
        }
    }

    @Test
    void failedFsyncFailsAllWaitersAndTheLogRefusesFurtherAppends() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(SegmentLog.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            failedFsyncIsFatal();
        } finally {
            logger.detachAppender(logged);
        }
        // Loud: one ERROR naming the failure and the log, with the disk's exception attached.
        assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.ERROR).singleElement().satisfies(e -> {
            assertThat(e.getFormattedMessage()).contains("STORAGE FAILURE", "fsync failed", dir.toString());
            assertThat(e.getThrowableProxy().getMessage()).isEqualTo("Input/output error");
        });
    }

    private void failedFsyncIsFatal() throws Exception {
        SegmentLog log = SegmentLog.open(dir, config(), flusher, disk);
        appendNext(log, 1, 1);
        log.whenDurable(1).get(10, TimeUnit.SECONDS);
        long fsyncsBefore = flusher.fsyncCount();
        long attemptsBefore = disk.fsyncAttempts.get();
        disk.failFsync = true;
        appendNext(log, 1, 1);
        // The flusher may fail the log before or after this call: either way the future fails.
        CompletableFuture<Void> f2 = log.whenDurable(2);
        assertThatThrownBy(() -> f2.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(LogFailedException.class);
        assertThat(log.durableIndex()).isEqualTo(1);
        assertThat(log.failure()).isNotNull();
        // Never retried: even once the disk "recovers", the log stays failed.
        disk.failFsync = false;
        assertThatThrownBy(() -> appendNext(log, 1, 1)).isInstanceOf(LogFailedException.class);
        assertThat(log.whenDurable(2)).isCompletedExceptionally();
        assertThat(log.lastIndex()).isEqualTo(2);
        assertThat(flusher.fsyncCount()).isEqualTo(fsyncsBefore);
        log.close();
        // Exactly one fsync was tried, the one that failed: no retry, not even by close.
        assertThat(disk.fsyncAttempts.get()).isEqualTo(attemptsBefore + 1);
    }

    @Test
    void diskFullWhileSealingOrCreatingASegmentIsSurvivable() throws Exception {
        List<LogEntry> written = new ArrayList<>();
        int diskFull = 0;
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher, disk)) {
            for (int i = 0; i < 300; i++) {
                // Too little room for a seal footer or a new segment header: rolls fail part-way.
                disk.writeBudgetBytes.set(i % 3 == 0 ? 10 : 60);
                LogEntry next = TestEntries.data(1, log.lastIndex() + 1, log.nextOffset(), 1);
                try {
                    log.append(next);
                    written.add(next);
                } catch (DiskFullException full) {
                    diskFull++;
                }
                disk.unlimited();
                written.add(appendNext(log, 1, 1));
            }
            assertThat(diskFull).isPositive();
            assertThat(log.segmentInfos().size()).isGreaterThan(3);
            assertThat(log.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
            assertThat(log.verifySealed()).isPositive();
        }
        try (SegmentLog again = SegmentLog.open(dir, config(), flusher)) {
            assertThat(again.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
            assertThat(again.verifySealed()).isPositive();
        }
    }

    /** Bytes in the segments' frame files only. */
    /**
     * Bytes of the {@code .log} files up to their last non-zero byte: the zeros a segment writes
     * ahead of its appends (and cuts when an append fails) are not frames.
     */
    private long frameFileBytes() throws IOException {
        try (var files = Files.list(dir)) {
            long sum = 0;
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                sum += SegmentFiles.frameBytes(f);
            }
            return sum;
        }
    }
}
