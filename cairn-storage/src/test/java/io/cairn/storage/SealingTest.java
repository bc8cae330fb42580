package io.cairn.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import static io.cairn.storage.TestEntries.appendNext;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What sealing at the size bound leaves on disk (both files fsynced, the index footer written,
 * both read-only), and that a reopen never reads a sealed segment's frames: only the active
 * segment's tail is scanned, so open time does not grow with the log.
 */
class SealingTest {
    @TempDir
    Path dir;
    Flusher flusher;
    final FaultyDisk disk = new FaultyDisk();

    @BeforeEach
    void start() {
        flusher = new Flusher("sealing-test");
    }

    @AfterEach
    void stop() {
        flusher.close();
    }

    static LogConfig config() {
        return LogConfig.defaults().withSegmentBytesMax(4096).withIndexIntervalBytes(256);
    }

    /** The segments' log files, oldest first (every entry here has records, so names are plain base offsets). */
    private List<Path> logFiles() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
    }

    private static Path indexOf(Path logFile) {
        return Path.of(logFile.toString().replace(".log", ".index"));
    }

    @Test
    void segmentsSealAtTheSizeBoundFsyncedWithAFooterAndReadOnly() throws Exception {
        // The flusher's fsyncs are held back, so whatever is durable in a sealed segment was made
        // durable by the seal itself, not by a background fsync that happened to run first.
        CountDownLatch flusherGate = new CountDownLatch(1);
        disk.flusherGate = flusherGate;
        SegmentLog log = SegmentLog.open(dir, config(), flusher, disk);
        try {
            for (int i = 0; i < 200; i++) {
                appendNext(log, 1 + i / 50, 1);
            }
            List<SegmentInfo> infos = log.segmentInfos();
            List<Path> files = logFiles();
            assertThat(infos.size()).isGreaterThan(3);
            assertThat(files).hasSize(infos.size());
            for (int s = 0; s < infos.size() - 1; s++) {
                Path logFile = files.get(s);
                Path index = indexOf(logFile);
                assertThat(infos.get(s).sealed()).isTrue();
                assertThat(logFile.getFileName().toString()).as("named by base offset")
                        .isEqualTo(String.format("%020d.log", infos.get(s).baseOffset()));
                assertThat(disk.unsynced(logFile)).as("sealed %s fsynced", logFile.getFileName()).isFalse();
                assertThat(disk.unsynced(index)).as("its index fsynced").isFalse();
                assertThat(Files.size(logFile)).as("size bound").isLessThanOrEqualTo(4096);
                // The next entry would not have fit: the segment sealed at the bound, not early.
                assertThat(Files.size(logFile) + 54 + 60).isGreaterThan(4096);
                for (Path f : List.of(logFile, index)) {
                    assertThat(Files.getPosixFilePermissions(f)).as("%s read-only", f.getFileName())
                            .doesNotContain(PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE,
                                    PosixFilePermission.OTHERS_WRITE);
                }
                ByteBuffer footer = ByteBuffer.wrap(Files.readAllBytes(index));
                assertThat(footer.getInt(footer.capacity() - 56)).as("footer magic SEAL").isEqualTo(0x5345414c);
                assertThat(footer.getLong(footer.capacity() - 56 + 8)).as("footer: last raft index")
                        .isEqualTo(infos.get(s).lastRaftIndex());
                assertThat(footer.getLong(footer.capacity() - 56 + 32)).as("footer: log bytes")
                        .isEqualTo(Files.size(logFile));
            }
            Path active = files.get(files.size() - 1);
            assertThat(infos.get(infos.size() - 1).sealed()).isFalse();
            assertThat(disk.unsynced(active)).as("the active segment waits for the held-back flusher").isTrue();
            assertThat(Files.getPosixFilePermissions(active)).contains(PosixFilePermission.OWNER_WRITE);
        } finally {
            flusherGate.countDown();
            log.close();
        }
    }

    @Test
    void openReadsNoFrameOfASealedSegment() throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher)) {
            for (int i = 0; i < 300; i++) {
                written.add(appendNext(log, 1 + i / 50, 1));
            }
        }
        List<Path> files = logFiles();
        assertThat(files.size()).isGreaterThan(5);
        try (SegmentLog log = SegmentLog.open(dir, config(), flusher, disk)) {
            assertThat(log.lastIndex()).isEqualTo(300);
            for (Path sealed : files.subList(0, files.size() - 1)) {
                assertThat(disk.bytesReadFrom(sealed)).as("bytes of sealed %s read on open", sealed.getFileName())
                        .isZero();
            }
            // The active segment's tail was scanned (from its last index point), through the same counter.
            assertThat(disk.bytesReadFrom(files.get(files.size() - 1))).isPositive();
            // A read of an old entry does read its sealed segment: the counter sees sealed files too.
            assertThat(log.readFromIndex(1, 1, 1)).containsExactly(written.get(0));
            assertThat(disk.bytesReadFrom(files.get(0))).isPositive();
        }
    }
}
