package io.cairn.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bytes on disk, read back raw: every frame field at the position the README's format table
 * gives, and index points that map offset and Raft index to the frame's file position. Round trips
 * through the log's own reader cannot show this (a reader and writer that agree on a different
 * layout would pass them); replicas, tools and the next version read these bytes.
 */
class FrameFormatTest {
    @TempDir
    Path dir;
    Flusher flusher;

    @BeforeEach
    void start() {
        flusher = new Flusher("format-test");
    }

    @AfterEach
    void stop() {
        flusher.close();
    }

    private static int crc32c(byte[] bytes, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(bytes, from, to - from);
        return (int) c.getValue();
    }

    @Test
    void framesHoldEveryFieldAtItsDocumentedPosition() throws Exception {
        byte[] firstPayload = "first".getBytes(StandardCharsets.UTF_8);
        byte[] secondPayload = "second-entry".getBytes(StandardCharsets.UTF_8);
        LogEntry first = LogEntry.of((byte) 7, 3, 1, 0, 5, 1_700_000_000_001L, 1_700_000_000_009L, firstPayload);
        LogEntry second = LogEntry.of((byte) 2, 4, 2, 5, 0, 0, 0, secondPayload);
        try (SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher)) {
            log.append(first);
            log.append(second);
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("00000000000000000000.log")));
        assertThat(b.capacity()).isEqualTo(54 + firstPayload.length + 54 + secondPayload.length);

        int at = 0;
        assertThat(b.getInt(at)).as("length: bytes after the length field").isEqualTo(54 + firstPayload.length - 4);
        assertThat(b.getInt(at + 4)).as("CRC32C of bytes [8, end)")
                .isEqualTo(crc32c(b.array(), at + 8, at + 54 + firstPayload.length));
        assertThat(b.get(at + 8)).as("version").isEqualTo((byte) 1);
        assertThat(b.get(at + 9)).as("type").isEqualTo((byte) 7);
        assertThat(b.getLong(at + 10)).as("term").isEqualTo(3);
        assertThat(b.getLong(at + 18)).as("raft index").isEqualTo(1);
        assertThat(b.getLong(at + 26)).as("base offset").isEqualTo(0);
        assertThat(b.getInt(at + 34)).as("record count").isEqualTo(5);
        assertThat(b.getLong(at + 38)).as("first timestamp").isEqualTo(1_700_000_000_001L);
        assertThat(b.getLong(at + 46)).as("max timestamp").isEqualTo(1_700_000_000_009L);
        assertThat(b.slice(at + 54, firstPayload.length)).as("records").isEqualTo(ByteBuffer.wrap(firstPayload));

        at = 54 + firstPayload.length;
        assertThat(b.getInt(at)).isEqualTo(54 + secondPayload.length - 4);
        assertThat(b.getInt(at + 4)).isEqualTo(crc32c(b.array(), at + 8, b.capacity()));
        assertThat(b.get(at + 9)).isEqualTo((byte) 2);
        assertThat(b.getLong(at + 10)).isEqualTo(4);
        assertThat(b.getLong(at + 18)).isEqualTo(2);
        assertThat(b.getLong(at + 26)).as("previous base offset + record count").isEqualTo(5);
        assertThat(b.getInt(at + 34)).as("a control entry has no records").isZero();
        assertThat(b.slice(at + 54, secondPayload.length)).isEqualTo(ByteBuffer.wrap(secondPayload));
    }

    @Test
    void indexPointsMapOffsetAndRaftIndexToTheFramePosition() throws Exception {
        // An interval of one byte puts a point at every entry.
        LogConfig config = LogConfig.defaults().withIndexIntervalBytes(1);
        List<LogEntry> written = new ArrayList<>();
        try (SegmentLog log = SegmentLog.open(dir, config, flusher)) {
            for (int i = 0; i < 20; i++) {
                written.add(TestEntries.appendNext(log, 1 + i / 7, i % 5 == 0 ? 0 : 1 + i % 3));
            }
            log.rollNow(); // sealing writes every point and the footer
        }
        ByteBuffer index = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("00000000000000000000.index")));
        assertThat(index.capacity()).isEqualTo(44 + 20 * 40 + 56);
        long position = 0;
        long maxTsBefore = 0;
        for (int i = 0; i < written.size(); i++) {
            LogEntry e = written.get(i);
            int p = 44 + i * 40;
            assertThat(index.getLong(p)).as("point %d offset", i).isEqualTo(e.baseOffset());
            assertThat(index.getLong(p + 8)).as("point %d raft index", i).isEqualTo(e.raftIndex());
            assertThat(index.getLong(p + 16)).as("point %d term", i).isEqualTo(e.term());
            // The segment's largest timestamp before this entry (what retention by age needs to skip ahead).
            assertThat(index.getLong(p + 24)).as("point %d running max timestamp", i).isEqualTo(maxTsBefore);
            assertThat(index.getInt(p + 32)).as("point %d file position", i).isEqualTo((int) position);
            assertThat(index.getInt(p + 36)).as("point %d CRC", i).isEqualTo(crc32c(index.array(), p, p + 36));
            position += 54 + e.payloadBytes();
            maxTsBefore = Math.max(maxTsBefore, e.maxTimestampMs());
        }
        int footer = 44 + 20 * 40;
        assertThat(index.getInt(footer)).as("footer magic").isEqualTo(0x5345414c); // "SEAL"
        assertThat(index.getInt(footer + 4)).as("point count").isEqualTo(20);
        assertThat(index.getLong(footer + 8)).as("last raft index").isEqualTo(20);
        assertThat(index.getLong(footer + 32)).as("log bytes").isEqualTo(position);
    }
}
