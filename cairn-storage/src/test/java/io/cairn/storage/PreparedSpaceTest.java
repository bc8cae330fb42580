package io.cairn.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.cairn.storage.TestEntries.appendNext;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The active segment keeps zeros written ahead of its last frame, so that appends overwrite
 * blocks the file already has (an fdatasync then need not commit a new file length). These tests
 * pin what that must never change: a crash leaves exactly the frames, sealed segments end at
 * their last frame, and a disk too full for the zeros still takes the append.
 */
class PreparedSpaceTest {
    @TempDir
    Path dir;
    @TempDir
    Path crashCopy;
    Flusher flusher;

    @BeforeEach
    void start() {
        flusher = new Flusher("prepared-test");
    }

    @AfterEach
    void stop() {
        flusher.close();
    }

    @Test
    void aCrashLeavesTheZerosBehindAndOpenDropsThemWithoutCallingThemTorn() throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher)) {
            for (int i = 0; i < 300; i++) {
                written.add(appendNext(log, 1, 1));
            }
            log.whenDurable(log.lastIndex()).get(10, TimeUnit.SECONDS);
            Path active = onlyLogFile(dir);
            long frames = SegmentFiles.frameBytes(active);
            assertThat(Files.size(active)).as("zeros written ahead of the frames").isGreaterThanOrEqualTo(frames + (32 << 10));
            // The files as a SIGKILL leaves them: everything written is in the page cache, nothing was closed.
            copyDir(dir, crashCopy);
        }
        assertThat(Files.size(onlyLogFile(dir))).as("a clean close cuts the zeros").isEqualTo(SegmentFiles.frameBytes(onlyLogFile(dir)));

        try (SegmentLog again = SegmentLog.open(crashCopy, LogConfig.defaults(), flusher)) {
            assertThat(again.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
            assertThat(again.recoveryTruncatedBytes()).as("zeros are not a torn write").isZero();
            Path active = onlyLogFile(crashCopy);
            assertThat(Files.size(active)).isEqualTo(SegmentFiles.frameBytes(active));
            written.add(appendNext(again, 1, 1));
            again.whenDurable(again.lastIndex()).get(10, TimeUnit.SECONDS);
        }
        try (SegmentLog third = SegmentLog.open(crashCopy, LogConfig.defaults(), flusher)) {
            assertThat(third.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
        }
    }

    @Test
    void sealedSegmentsEndAtTheirLastFrame() throws Exception {
        LogConfig small = LogConfig.defaults().withSegmentBytesMax(96 << 10);
        try (SegmentLog log = SegmentLog.open(dir, small, flusher)) {
            for (int i = 0; i < 4000; i++) {
                appendNext(log, 1, 1);
            }
            log.whenDurable(log.lastIndex()).get(10, TimeUnit.SECONDS);
            List<SegmentInfo> sealed = log.segmentInfos().stream().filter(SegmentInfo::sealed).toList();
            assertThat(sealed).hasSizeGreaterThan(2);
            List<Path> files = logFiles(dir);
            for (Path f : files.subList(0, sealed.size())) {
                // Payloads end in text, so a frame never ends in a zero byte: any trailing zero is prepared space.
                assertThat(Files.size(f)).as(f.toString()).isEqualTo(SegmentFiles.frameBytes(f));
            }
        }
    }

    @Test
    void largeAppendsWriteNoZerosAhead() throws Exception {
        try (SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher)) {
            for (int i = 0; i < 5; i++) {
                // Each entry is one 40 KiB append, as a large NDJSON batch is: its bytes are written once.
                byte[] payload = new byte[40 << 10];
                java.util.Arrays.fill(payload, (byte) 'v');
                log.append(LogEntry.of(TestEntries.DATA, 1, log.lastIndex() + 1, log.nextOffset(), 1000, 1, 1, payload));
            }
            log.whenDurable(log.lastIndex()).get(10, TimeUnit.SECONDS);
            Path active = onlyLogFile(dir);
            assertThat(Files.size(active)).isEqualTo(SegmentFiles.frameBytes(active));
        }
    }

    @Test
    void aDiskTooFullForTheZerosStillTakesTheAppend() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        List<LogEntry> written = new ArrayList<>();
        try (SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher, disk)) {
            disk.writeBudgetBytes.set(1000); // Room for one small frame, not for 64 KiB of zeros.
            written.add(appendNext(log, 1, 1));
            assertThat(log.failure()).isNull();
            log.whenDurable(log.lastIndex()).get(10, TimeUnit.SECONDS);
            Path active = onlyLogFile(dir);
            assertThat(Files.size(active)).as("the refused zeros are cut back").isEqualTo(SegmentFiles.frameBytes(active));
            disk.unlimited();
            written.add(appendNext(log, 1, 1));
            log.whenDurable(log.lastIndex()).get(10, TimeUnit.SECONDS);
        }
        try (SegmentLog again = SegmentLog.open(dir, LogConfig.defaults(), flusher)) {
            assertThat(again.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
            assertThat(again.recoveryTruncatedBytes()).isZero();
        }
    }

    private static List<Path> logFiles(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted(Comparator.naturalOrder()).toList();
        }
    }

    private static Path onlyLogFile(Path d) throws IOException {
        List<Path> files = logFiles(d);
        assertThat(files).hasSize(1);
        return files.get(0);
    }

    private static void copyDir(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
    }
}
