package io.cairn.bench.baseline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * The disk's ceiling for durable single writes: one writer appends {@code writeBytes} and calls
 * fsync ({@code FileChannel.force(true)}), in a loop, in the directory the node keeps its data.
 * Group commit is how a log beats this number; without it, single-record produce cannot.
 */
public final class FsyncBaseline {
    /** The loop also stops after this many writes, so a very fast (lying) disk cannot fill the data dir. */
    static final long WRITES_MAX = 2_000_000;

    private FsyncBaseline() {}

    /** Result of one loop; latencies of write+fsync pairs in microseconds. */
    public record Result(int writeBytes, long writes, double seconds, Histogram latencyUs) {
        public double perSecond() {
            return writes / seconds;
        }
    }

    public static Result run(Path dir, int writeBytes, Duration duration) throws IOException {
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir, "fsync-baseline-", ".bin");
        Histogram h = new Histogram(60_000_000L, 3);
        ByteBuffer buf = ByteBuffer.allocateDirect(writeBytes);
        for (int i = 0; i < writeBytes; i++) {
            buf.put((byte) ('a' + i % 26));
        }
        long writes = 0;
        long t0 = System.nanoTime();
        long end = t0 + duration.toNanos();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            long now = t0;
            while (now < end && writes < WRITES_MAX) {
                buf.clear();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
                long after = System.nanoTime();
                h.recordValue(Math.min(60_000_000L, (after - now) / 1_000));
                writes++;
                now = after;
            }
            return new Result(writeBytes, writes, (now - t0) / 1e9, h);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
