package io.cairn.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentCorruptorTest {
    @TempDir
    Path data;

    private Path segment(String topic, int partition, long base, int size) throws IOException {
        Path dir = data.resolve("topics").resolve(topic).resolve(String.valueOf(partition));
        Files.createDirectories(dir);
        Path f = dir.resolve(String.format("%020d.log", base));
        byte[] b = new byte[size];
        new Random(base).nextBytes(b);
        Files.write(f, b);
        Files.write(dir.resolve(String.format("%020d.index", base)), new byte[16]);
        return f;
    }

    @Test
    void onlySegmentsOlderThanTheNewestAreSealed() throws IOException {
        Path a0 = segment("t", 0, 0, 1000);
        Path a1 = segment("t", 0, 100, 1000);
        segment("t", 0, 250, 1000);
        segment("t", 1, 0, 1000);

        assertThat(SegmentCorruptor.sealedSegments(data)).containsExactly(a0, a1);
    }

    @Test
    void noSealedSegmentMeansNothingIsTouched() throws IOException {
        Path only = segment("t", 0, 0, 500);
        byte[] before = Files.readAllBytes(only);

        assertThat(SegmentCorruptor.corrupt(data, new Random(1), 3)).isEmpty();
        assertThat(Files.readAllBytes(only)).isEqualTo(before);
    }

    @Test
    void flipsChangeSealedBytesAndRestorePutsThemBack() throws IOException {
        Path sealed = segment("t", 0, 0, 4096);
        Path active = segment("t", 0, 40, 4096);
        byte[] sealedBefore = Files.readAllBytes(sealed);
        byte[] activeBefore = Files.readAllBytes(active);

        List<SegmentCorruptor.Flip> flips = SegmentCorruptor.corrupt(data, new Random(3), 4);

        assertThat(flips).hasSize(4).allMatch(f -> f.file().equals(sealed) && f.position() >= 64);
        assertThat(Files.readAllBytes(sealed)).isNotEqualTo(sealedBefore);
        assertThat(Files.readAllBytes(active)).isEqualTo(activeBefore);
        SegmentCorruptor.restore(flips);
        assertThat(Files.readAllBytes(sealed)).isEqualTo(sealedBefore);
    }
}
