package io.cairn.chaos.cluster;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Flips bytes in sealed segment files of a stopped node, the way a failing disk does. Only sealed
 * segments are touched (every {@code *.log} in a partition directory except the newest): the
 * active tail is legitimately repaired by torn-write recovery, so damaging it proves nothing,
 * while damage to sealed data must be detected, never served, and repaired from peers.
 */
public final class SegmentCorruptor {
    /** Depth bound for the walk under {@code <data-dir>/topics}: topics/topic/partition/file. */
    private static final int WALK_DEPTH_MAX = 4;

    /** What was changed, so a single-node run can put it back after observing the detection. */
    public record Flip(Path file, long position, byte original, byte flipped) {}

    private SegmentCorruptor() {}

    /** Sealed segment files of every partition replica under {@code dataDir}, in a stable order. */
    public static List<Path> sealedSegments(Path dataDir) throws IOException {
        Path topics = dataDir.resolve("topics");
        if (!Files.isDirectory(topics)) {
            return List.of();
        }
        List<Path> partitionDirs;
        try (Stream<Path> s = Files.walk(topics, WALK_DEPTH_MAX)) {
            partitionDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        List<Path> sealed = new ArrayList<>();
        for (Path dir : partitionDirs) {
            List<Path> logs;
            try (Stream<Path> s = Files.list(dir)) {
                // Names are the 20-digit base offset, so name order is offset order; the last is active.
                logs = s.filter(p -> p.getFileName().toString().endsWith(".log") && Files.isRegularFile(p))
                        .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
            }
            if (logs.size() > 1) {
                sealed.addAll(logs.subList(0, logs.size() - 1));
            }
        }
        return sealed;
    }

    /**
     * Flips {@code count} random bytes (XOR 0xFF, so each surely changes) in one random sealed
     * segment, away from the first 64 bytes so a frame body rather than only a header is hit.
     * Returns the flips, or an empty list when the node has no sealed segment yet.
     */
    public static List<Flip> corrupt(Path dataDir, Random random, int count) throws IOException {
        List<Path> sealed = sealedSegments(dataDir);
        if (sealed.isEmpty()) {
            return List.of();
        }
        return corruptFile(sealed.get(random.nextInt(sealed.size())), random, count);
    }

    /** Flips {@code count} random bytes of {@code file} (see {@link #corrupt(Path, Random, int)}). */
    public static List<Flip> corruptFile(Path file, Random random, int count) throws IOException {
        List<Flip> flips = new ArrayList<>();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long size = raf.length();
            if (size < 2) {
                return List.of();
            }
            long lo = Math.min(64, size / 2);
            for (int i = 0; i < count; i++) {
                long pos = lo + (long) (random.nextDouble() * (size - lo));
                raf.seek(pos);
                byte b = raf.readByte();
                byte f = (byte) (b ^ 0xFF);
                raf.seek(pos);
                raf.writeByte(f);
                flips.add(new Flip(file, pos, b, f));
            }
            raf.getFD().sync();
        }
        return flips;
    }

    /** Puts the original bytes back, in reverse order so repeated positions end as they began. */
    public static void restore(List<Flip> flips) throws IOException {
        for (int i = flips.size() - 1; i >= 0; i--) {
            Flip f = flips.get(i);
            try (RandomAccessFile raf = new RandomAccessFile(f.file().toFile(), "rw")) {
                raf.seek(f.position());
                raf.writeByte(f.original());
                raf.getFD().sync();
            }
        }
    }
}
