package io.cairn.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.cairn.storage.TestEntries.appendNext;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What open does with torn tails, damaged frames and damaged index files. */
class RecoveryTest {
    private static final int FRAME_HEADER_BYTES = 54;

    @TempDir
    Path root;
    Flusher flusher;

    @BeforeEach
    void start() {
        flusher = new Flusher("recovery-test");
    }

    @AfterEach
    void stop() {
        flusher.close();
    }

    static LogConfig config(int indexIntervalBytes) {
        return LogConfig.defaults().withSegmentBytesMax(4096).withIndexIntervalBytes(indexIntervalBytes);
    }

    /** Writes a log with a few sealed segments and an active one; returns its entries. */
    List<LogEntry> writeLog(Path dir, LogConfig config, int entries) throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (SegmentLog log = SegmentLog.open(dir, config, flusher)) {
            for (int i = 0; i < entries; i++) {
                written.add(appendNext(log, 1 + i / 30, i % 7 == 0 ? 0 : 2));
            }
        }
        return written;
    }

    static Path activeLogFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    static Path firstLogFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".log")).sorted().findFirst().orElseThrow();
        }
    }

    static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(p.getFileName());
                Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                target.toFile().setWritable(true);
            }
        }
    }

    static void flipByte(Path file, long position) throws IOException {
        file.toFile().setWritable(true);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(position);
            int b = f.read();
            f.seek(position);
            f.write(b ^ 0x5A);
        }
    }

    @Test
    void tornTailAtEveryBytePositionOfTheLastFrameIsTruncatedToTheLastWholeFrame() throws Exception {
        Path pristine = root.resolve("pristine");
        for (int interval : new int[] {1, 256}) {
            List<LogEntry> written = writeLog(pristine, config(interval), 100);
            LogEntry last = written.get(written.size() - 1);
            Path active = activeLogFile(pristine);
            long size = Files.size(active);
            long lastFrameBytes = FRAME_HEADER_BYTES + last.payloadBytes();
            long lastStart = size - lastFrameBytes;
            for (long cut = lastStart; cut < size; cut++) {
                for (boolean garbage : new boolean[] {false, true}) {
                    Path dir = root.resolve("cut-" + interval + "-" + cut + "-" + garbage);
                    copyDir(pristine, dir);
                    Path file = dir.resolve(active.getFileName());
                    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                        f.setLength(cut);
                        if (garbage) {
                            // A torn page: the length survives but the rest is zeros, as after a power cut.
                            f.setLength(size);
                        }
                    }
                    try (SegmentLog log = SegmentLog.open(dir, config(interval), flusher)) {
                        assertThat(log.lastIndex()).as("cut at %d garbage %s", cut, garbage)
                                .isEqualTo(last.raftIndex() - 1);
                        assertThat(log.nextOffset()).isEqualTo(last.baseOffset());
                        assertThat(Files.size(file)).isEqualTo(lastStart);
                        assertThat(log.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE))
                                .isEqualTo(written.subList(0, written.size() - 1));
                        log.append(last);
                        assertThat(log.readFromIndex(last.raftIndex(), 1, 1)).containsExactly(last);
                    }
                }
            }
            deleteDir(pristine);
        }
    }

    static void deleteDir(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Test
    void badFrameFollowedByGoodFramesInTheActiveSegmentIsCorruption() throws Exception {
        // A large index interval leaves the damaged frame after the last index point, where open scans.
        LogConfig config = config(1 << 20).withSegmentBytesMax(1 << 20);
        Path dir = root.resolve("log");
        List<LogEntry> written = writeLog(dir, config, 40);
        Path active = activeLogFile(dir);
        long position = 0;
        // Entry 35: after the last index point, which is at the term change at entry 31.
        for (int i = 0; i < 34; i++) {
            position += FRAME_HEADER_BYTES + written.get(i).payloadBytes();
        }
        for (long damageAt : new long[] {position + 30, position + 1, position + FRAME_HEADER_BYTES + 2}) {
            Path copy = root.resolve("copy-" + damageAt);
            copyDir(dir, copy);
            flipByte(copy.resolve(active.getFileName()), damageAt);
            long frameStart = position;
            assertThatThrownBy(() -> SegmentLog.open(copy, config, flusher))
                    .isInstanceOfSatisfying(CorruptLogException.class, e -> {
                        assertThat(e.file()).isEqualTo(copy.resolve(active.getFileName()));
                        assertThat(e.position()).isEqualTo(frameStart);
                    });
        }
    }

    @Test
    void flippedByteInASealedSegmentIsDetectedOnReadAndByTheScrub() throws Exception {
        Path dir = root.resolve("log");
        List<LogEntry> written = writeLog(dir, config(256), 200);
        Path first = firstLogFile(dir);
        long position = 3 * FRAME_HEADER_BYTES + written.get(0).payloadBytes() + written.get(1).payloadBytes()
                + written.get(2).payloadBytes() + 10;
        flipByte(first, position);
        // Open trusts sealed segments (never scans them), so it succeeds...
        try (SegmentLog log = SegmentLog.open(dir, config(256), flusher)) {
            assertThat(log.lastIndex()).isEqualTo(200);
            // ...but every read verifies the CRC, and the scrub reads everything.
            assertThatThrownBy(() -> log.readFromIndex(1, 10, Integer.MAX_VALUE))
                    .isInstanceOfSatisfying(CorruptLogException.class, e -> assertThat(e.file()).isEqualTo(first));
            assertThatThrownBy(() -> log.readFromOffset(written.get(3).baseOffset(), 100))
                    .isInstanceOf(CorruptLogException.class);
            assertThatThrownBy(log::verifySealed)
                    .isInstanceOfSatisfying(CorruptLogException.class, e -> assertThat(e.file()).isEqualTo(first));
            // Entries in undamaged segments still read.
            assertThat(log.readFromIndex(200, 1, 1)).containsExactly(written.get(199));
        }
    }

    @Test
    void scrubPassesOnAnIntactLog() throws Exception {
        Path dir = root.resolve("log");
        writeLog(dir, config(256), 200);
        try (SegmentLog log = SegmentLog.open(dir, config(256), flusher)) {
            assertThat(log.verifySealed()).isPositive();
        }
    }

    @Test
    void damagedIndexOfASealedSegmentIsRebuiltFromItsFrames() throws Exception {
        Path dir = root.resolve("log");
        List<LogEntry> written = writeLog(dir, config(256), 200);
        Path firstIndex = Path.of(firstLogFile(dir).toString().replace(".log", ".index"));
        flipByte(firstIndex, Files.size(firstIndex) - 20);
        try (SegmentLog log = SegmentLog.open(dir, config(256), flusher)) {
            assertThat(log.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
            assertThat(log.verifySealed()).isPositive();
        }
        try (SegmentLog log = SegmentLog.open(dir, config(256), flusher)) {
            assertThat(log.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
        }
    }

    @Test
    void damagedPointsOfASealedIndexAreRebuiltOnFirstUseNotOnOpen() throws Exception {
        Path dir = root.resolve("log");
        List<LogEntry> written = writeLog(dir, config(256), 200);
        Path firstIndex = Path.of(firstLogFile(dir).toString().replace(".log", ".index"));
        // Inside the first point: the footer (read on open) is intact, the whole-file CRC is not.
        flipByte(firstIndex, 44 + 10);
        try (SegmentLog log = SegmentLog.open(dir, config(256), flusher)) {
            assertThat(log.lastIndex()).isEqualTo(200);
            assertThat(log.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
            for (LogEntry e : written) {
                assertThat(log.termAt(e.raftIndex())).isEqualTo(e.term());
            }
        }
        try (SegmentLog log = SegmentLog.open(dir, config(256), flusher)) {
            assertThat(log.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
            assertThat(log.verifySealed()).isPositive();
        }
    }

    @Test
    void damagedIndexPointsOfTheActiveSegmentAreIgnoredAndRebuilt() throws Exception {
        Path dir = root.resolve("log");
        List<LogEntry> written = writeLog(dir, config(64), 100);
        Path activeIndex = Path.of(activeLogFile(dir).toString().replace(".log", ".index"));
        flipByte(activeIndex, Files.size(activeIndex) - 20);
        try (SegmentLog log = SegmentLog.open(dir, config(64), flusher)) {
            assertThat(log.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
            for (LogEntry e : written) {
                assertThat(log.termAt(e.raftIndex())).isEqualTo(e.term());
            }
        }
    }

    @Test
    void aMissingSealedSegmentInTheMiddleIsCorruption() throws Exception {
        Path dir = root.resolve("log");
        writeLog(dir, config(256), 200);
        List<Path> logs;
        try (Stream<Path> files = Files.list(dir)) {
            logs = files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
        assertThat(logs.size()).isGreaterThan(3);
        Files.delete(logs.get(1));
        Files.delete(Path.of(logs.get(1).toString().replace(".log", ".index")));
        assertThatThrownBy(() -> SegmentLog.open(dir, config(256), flusher)).isInstanceOf(CorruptLogException.class);
    }
}
