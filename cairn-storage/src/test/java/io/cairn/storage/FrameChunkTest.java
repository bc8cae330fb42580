package io.cairn.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.cairn.storage.TestEntries.appendNext;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Replication's copy path: chunks of frames read from one log and appended as they are to another. */
class FrameChunkTest {
    @TempDir
    Path leaderDir;
    @TempDir
    Path followerDir;
    Flusher flusher;
    final List<SegmentLog> opened = new ArrayList<>();

    LogConfig small() {
        return LogConfig.defaults().withSegmentBytesMax(2048).withIndexIntervalBytes(256).withClockMs(() -> 1_000_000);
    }

    SegmentLog open(Path dir) throws Exception {
        SegmentLog log = SegmentLog.open(dir, small(), flusher);
        opened.add(log);
        return log;
    }

    @BeforeEach
    void start() {
        flusher = new Flusher("test");
    }

    @AfterEach
    void stop() throws Exception {
        for (SegmentLog l : opened) {
            l.close();
        }
        flusher.close();
    }

    @Test
    void chunksCopiedAsTheyAreMakeByteIdenticalSegmentFiles() throws Exception {
        SegmentLog leader = open(leaderDir);
        List<LogEntry> written = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            written.add(appendNext(leader, 1 + i / 70, i % 9 == 0 ? 0 : 1 + i % 4));
        }
        SegmentLog follower = open(followerDir);
        int chunks = 0;
        for (long next = 1; next <= leader.lastIndex(); chunks++) {
            // Odd sizes so chunks end mid-segment, at segment ends, and after one oversized frame.
            FrameChunk c = leader.readFramesFromIndex(next, 1 + chunks % 7, 1 + (chunks * 97) % 700);
            assertThat(c.isEmpty()).isFalse();
            for (int k = 0; k < c.size(); k++) {
                assertThat(c.entries().get(k)).isEqualTo(written.get((int) (next - 1) + k));
            }
            follower.appendFrames(c, 0, c.size());
            next += c.size();
        }
        follower.whenDurable(follower.lastIndex()).get();
        assertThat(follower.lastIndex()).isEqualTo(leader.lastIndex());
        assertThat(follower.nextOffset()).isEqualTo(leader.nextOffset());
        assertThat(follower.segmentInfos()).hasSameSizeAs(leader.segmentInfos()).hasSizeGreaterThan(3);
        assertThat(segmentFiles(followerDir)).isEqualTo(segmentFiles(leaderDir));
        for (String name : segmentFiles(leaderDir)) {
            assertThat(Files.readAllBytes(followerDir.resolve(name))).as(name)
                    .isEqualTo(Files.readAllBytes(leaderDir.resolve(name)));
        }
        for (LogEntry e : written) {
            assertThat(follower.readFromIndex(e.raftIndex(), 1, 1)).containsExactly(e);
        }
    }

    @Test
    void aChunkStopsAtItsBoundsAndStartsAtTheAskedIndex() throws Exception {
        SegmentLog leader = open(leaderDir);
        for (int i = 0; i < 40; i++) {
            appendNext(leader, 1, 2);
        }
        FrameChunk c = leader.readFramesFromIndex(17, 3, 1 << 20);
        assertThat(c.entries()).extracting(LogEntry::raftIndex).containsExactly(17L, 18L, 19L);
        assertThat(leader.readFramesFromIndex(41, 3, 1 << 20).isEmpty()).isTrue();
        FrameChunk one = leader.readFramesFromIndex(5, 100, 1);
        assertThat(one.size()).isEqualTo(1);
        assertThat(leader.readFramesFromIndex(5, 100, 1, false).isEmpty()).as("no frame read past the budget").isTrue();
        assertThatThrownBy(() -> leader.readFramesFromIndex(0, 1, 1)).isInstanceOf(OutOfRangeException.class);
    }

    @Test
    void parseRefusesAFlippedBitAndAppendRefusesAGap() throws Exception {
        SegmentLog leader = open(leaderDir);
        for (int i = 0; i < 10; i++) {
            appendNext(leader, 1, 1);
        }
        FrameChunk c = leader.readFramesFromIndex(1, 10, 1 << 20);
        byte[] copy = new byte[c.bytes().remaining()];
        c.bytes().duplicate().get(copy);
        FrameChunk parsed = FrameChunk.parse(ByteBuffer.wrap(copy), 1 << 20);
        assertThat(parsed.entries()).isEqualTo(c.entries());
        copy[c.starts()[3] + 60] ^= 1;
        assertThatThrownBy(() -> FrameChunk.parse(ByteBuffer.wrap(copy), 1 << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frame 3").hasMessageContaining("CRC32C");

        SegmentLog follower = open(followerDir);
        FrameChunk later = leader.readFramesFromIndex(4, 3, 1 << 20);
        assertThatThrownBy(() -> follower.appendFrames(later, 0, later.size())).isInstanceOf(IllegalStateException.class);
        assertThat(follower.lastIndex()).isZero();
        follower.appendFrames(c, 0, 2);
        assertThat(follower.lastIndex()).isEqualTo(2);
    }

    private static List<String> segmentFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).sorted().toList();
        }
    }
}
