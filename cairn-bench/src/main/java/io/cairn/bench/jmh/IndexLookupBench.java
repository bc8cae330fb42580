package io.cairn.bench.jmh;

import io.cairn.storage.Flusher;
import io.cairn.storage.LogConfig;
import io.cairn.storage.LogEntry;
import io.cairn.storage.SegmentLog;
import io.cairn.storage.impl.SparseIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Offset lookups: the in-memory sparse index of one full 128 MiB segment (a point every 4 KiB,
 * 32,768 points), and a whole consume-style read through {@link SegmentLog#readFromOffset} on a
 * 1,000,000-record log (entries of 10 × 64 B records, several segments, page cache warm), which
 * adds segment choice, positioned reads and CRC verification to the index lookup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class IndexLookupBench {
    static final int POINTS = 32_768;
    static final int RECORDS_PER_ENTRY = 10;
    static final int ENTRIES = 100_000;

    private SparseIndex.Points points;
    private long maxOffset;
    private SplittableRandom random;
    private Path dir;
    private Flusher flusher;
    private SegmentLog log;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        SparseIndex index = new SparseIndex();
        for (int i = 0; i < POINTS; i++) {
            // ~35 records of 118-byte frames per 4 KiB point.
            index.add(i * 35L, i * 35L + 1, 1, i * 4096 + 1, 1_700_000_000_000L);
        }
        points = index.snapshot();
        maxOffset = POINTS * 35L;
        random = new SplittableRandom(42);

        dir = Files.createTempDirectory("cairn-jmh-index-");
        flusher = new Flusher("jmh");
        // Small segments so the log has several and the read must pick the right one first.
        log = SegmentLog.open(dir, LogConfig.defaults().withSegmentBytesMax(16L << 20), flusher);
        byte[] payload = new byte[RECORDS_PER_ENTRY * 64];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        for (int i = 0; i < ENTRIES; i++) {
            log.append(LogEntry.of((byte) 1, 1, i + 1, (long) i * RECORDS_PER_ENTRY, RECORDS_PER_ENTRY,
                    1_700_000_000_000L, 1_700_000_000_000L, payload));
        }
        log.whenDurable(ENTRIES).join();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        log.close();
        flusher.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public int sparseIndexFloorByOffset() {
        return points.floorByOffset(random.nextLong(maxOffset));
    }

    @Benchmark
    public List<LogEntry> readFromOffset4KiB() throws IOException {
        return log.readFromOffset(random.nextLong((long) ENTRIES * RECORDS_PER_ENTRY), 4096);
    }
}
