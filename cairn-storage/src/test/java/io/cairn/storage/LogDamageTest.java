package io.cairn.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.cairn.storage.RecoveryTest.flipByte;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Locating damage in sealed data and cutting the log just before it, which is how a replica of a
 * replicated partition repairs itself (the cut part is then fetched again from a peer).
 */
class LogDamageTest {
    private static final int FRAME_HEADER_BYTES = 54;

    @TempDir
    Path root;
    Flusher flusher;

    @BeforeEach
    void start() {
        flusher = new Flusher("damage-test");
    }

    @AfterEach
    void stop() {
        flusher.close();
    }

    private static LogConfig config() {
        return LogConfig.defaults().withSegmentBytesMax(4096).withIndexIntervalBytes(256);
    }

    private List<LogEntry> writeLog(Path dir, int entries) throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher)) {
            for (int i = 0; i < entries; i++) {
                written.add(TestEntries.appendNext(log, 1 + i / 30, i % 7 == 0 ? 0 : 2));
            }
        }
        return written;
    }

    private static List<Path> logFiles(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
    }

    /** Byte position of the frame holding {@code raftIndex}, found by reading the file's frames. */
    private static long framePosition(List<LogEntry> written, Path file, SegmentLog log, long raftIndex) throws Exception {
        // The segment's first entry is the one after the previous file's last; frames are laid end to end.
        long first = log.readFromOffset(Long.parseLong(file.getFileName().toString().substring(0, 20)), 1).get(0).raftIndex();
        long pos = 0;
        for (long i = first; i < raftIndex; i++) {
            pos += FRAME_HEADER_BYTES + written.get((int) i - 1).payloadBytes();
        }
        return pos;
    }

    @Test
    void intactLogHasNoDamage() throws Exception {
        Path dir = root.resolve("log");
        writeLog(dir, 200);
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher)) {
            assertThat(log.findDamage()).isEmpty();
            for (Path f : logFiles(dir)) {
                assertThat(log.findDamage(f)).isEmpty();
            }
        }
    }

    @Test
    void damageInTheMiddleOfASealedSegmentIsLocatedAndCutJustBeforeTheBadEntry() throws Exception {
        Path dir = root.resolve("log");
        List<LogEntry> written = writeLog(dir, 200);
        List<Path> files = logFiles(dir);
        assertThat(files.size()).isGreaterThan(3);
        Path victim = files.get(1);
        long bad;
        long at;
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher)) {
            long first = log.readFromOffset(Long.parseLong(victim.getFileName().toString().substring(0, 20)), 1)
                    .get(0).raftIndex();
            bad = first + 3;
            at = framePosition(written, victim, log, bad) + FRAME_HEADER_BYTES - 2;
        }
        flipByte(victim, at);
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher)) {
            CorruptLogException read = org.junit.jupiter.api.Assertions.assertThrows(CorruptLogException.class,
                    () -> log.readFromIndex(bad, 1, 1));
            LogDamage d = log.findDamage(read.file()).orElseThrow();
            assertThat(d.file()).isEqualTo(victim);
            assertThat(d.firstBadIndex()).isEqualTo(bad);
            assertThat(log.findDamage()).contains(d);

            log.truncateSuffix(d.firstBadIndex());
            assertThat(log.lastIndex()).isEqualTo(bad - 1);
            assertThat(log.nextOffset()).isEqualTo(written.get((int) bad - 1).baseOffset());
            assertThat(log.findDamage()).isEmpty();
            // Everything before the damage still reads; the repaired tail is appended again (as a
            // leader would send it) with the same offsets, byte for byte.
            List<LogEntry> before = new ArrayList<>();
            for (long i = 1; i < bad; i++) {
                before.addAll(log.readFromIndex(i, 1, 1));
            }
            assertThat(before).containsExactlyElementsOf(written.subList(0, (int) bad - 1));
            for (int i = (int) bad - 1; i < written.size(); i++) {
                log.append(written.get(i));
            }
            log.whenDurable(log.lastIndex()).get();
        }
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher)) {
            assertThat(log.findDamage()).isEmpty();
            List<LogEntry> all = new ArrayList<>();
            for (long i = 1; i <= written.size(); i++) {
                all.addAll(log.readFromIndex(i, 1, 1));
            }
            assertThat(all).containsExactlyElementsOf(written);
        }
    }

    @Test
    void damageInTheFirstFrameOfASegmentCutsTheWholeSegmentAndEverythingAfter() throws Exception {
        Path dir = root.resolve("log");
        List<LogEntry> written = writeLog(dir, 200);
        Path victim = logFiles(dir).get(2);
        flipByte(victim, 20);
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher)) {
            LogDamage d = log.findDamage().orElseThrow();
            assertThat(d.file()).isEqualTo(victim);
            long first = written.stream().filter(e -> e.baseOffset() >= Long.parseLong(victim.getFileName().toString()
                    .substring(0, 20))).findFirst().orElseThrow().raftIndex();
            assertThat(d.firstBadIndex()).isEqualTo(first);
            log.truncateSuffix(d.firstBadIndex());
            assertThat(log.lastIndex()).isEqualTo(first - 1);
            assertThat(log.findDamage()).isEmpty();
        }
        assertThat(logFiles(dir)).hasSize(3);
    }

    @Test
    void damageIsReportedForTheFirstDamagedSegmentOnlyAndAFileNoLongerInTheLogHasNone() throws Exception {
        Path dir = root.resolve("log");
        writeLog(dir, 200);
        List<Path> files = logFiles(dir);
        flipByte(files.get(1), 100);
        flipByte(files.get(3), 100);
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher)) {
            assertThat(log.findDamage().orElseThrow().file()).isEqualTo(files.get(1));
            assertThat(log.findDamage(files.get(3)).orElseThrow().file()).isEqualTo(files.get(3));
            log.truncateSuffix(log.findDamage().orElseThrow().firstBadIndex());
            // The later damaged segment went with the cut.
            assertThat(log.findDamage(files.get(3))).isEmpty();
            assertThat(log.findDamage()).isEmpty();
            assertThatThrownBy(() -> log.findDamage(root.resolve("nope.log")).orElseThrow())
                    .isInstanceOf(java.util.NoSuchElementException.class);
        }
    }
}
