package io.cairn.storage.tools;

import io.cairn.storage.Flusher;
import io.cairn.storage.LogConfig;
import io.cairn.storage.LogEntry;
import io.cairn.storage.SegmentLog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Measures the storage engine on this machine (not a test: numbers, not pass/fail).
 *
 * <ol>
 *   <li>Baseline: one thread writing 64 bytes and fsyncing, in a loop, on a raw file.</li>
 *   <li>Appends per second with fsync before ack, at 1, 16 and 256 concurrent writers: each
 *       writer appends one entry (one 64-byte record), waits for {@code whenDurable}, repeats.
 *       Appends are serialised by a lock, as the partition's event loop would; the waiting is not.</li>
 *   <li>Open time of a log holding 1M and then 8M records (64-byte records, one per entry).</li>
 * </ol>
 * Usage: {@code StorageBench [dir] [secondsPerRun] [maxRecordsMillions] [parts]} (defaults: a temp dir,
 * 5, 8, {@code fsync,open}).
 * The CPU may be shared: compare the ratios to the baseline measured in the same run.
 */
public final class StorageBench {
    private static final int RECORD_BYTES = 64;

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("cairn-bench");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int maxMillions = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        String parts = args.length > 3 ? args[3] : "fsync,open";
        Files.createDirectories(dir);
        try {
            if (parts.contains("fsync")) {
                double raw = rawWriteFsync(dir.resolve("raw"), seconds);
                System.out.printf("raw single-writer 64-byte write+fsync loop: %.0f ops/s%n", raw);
                for (int writers : new int[] {1, 16, 256}) {
                    groupCommit(dir.resolve("gc-" + writers), writers, seconds, raw);
                }
            }
            if (parts.contains("open")) {
                openTime(dir.resolve("open"), maxMillions);
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    private static double rawWriteFsync(Path file, int seconds) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(RECORD_BYTES);
        long ops = 0;
        long position = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                b.clear();
                while (b.hasRemaining()) {
                    position += ch.write(b, position);
                }
                ch.force(false);
                ops++;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            Files.delete(file);
            return ops / elapsed;
        }
    }

    private static LogEntry entry(long index, long offset) {
        byte[] payload = new byte[RECORD_BYTES];
        payload[0] = (byte) index;
        return LogEntry.of((byte) 1, 1, index, offset, 1, offset, offset, payload);
    }

    private static void groupCommit(Path dir, int writers, int seconds, double raw) throws Exception {
        AtomicLong errors = new AtomicLong();
        try (Flusher flusher = new Flusher("bench")) {
            SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher);
            Object appendLock = new Object();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long fsyncsBefore = flusher.fsyncCount();
            long start = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                Thread t = new Thread(() -> {
                    while (System.nanoTime() < deadline) {
                        try {
                            long index;
                            synchronized (appendLock) {
                                index = log.lastIndex() + 1;
                                log.append(entry(index, log.nextOffset()));
                            }
                            log.whenDurable(index).get();
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            return;
                        }
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long appends = log.lastIndex();
            long fsyncs = flusher.fsyncCount() - fsyncsBefore;
            System.out.printf("%3d writers: %8.0f acked appends/s (%.1fx raw), %d appends, %d fsyncs, %.1f appends/fsync,"
                            + " errors %d%n", writers, appends / elapsed, appends / elapsed / raw, appends, fsyncs,
                    (double) appends / Math.max(1, fsyncs), errors.get());
            log.close();
        }
        deleteRecursively(dir);
    }

    private static void openTime(Path dir, int maxMillions) throws Exception {
        try (Flusher flusher = new Flusher("bench-open")) {
            long target = 1_000_000;
            while (target <= maxMillions * 1_000_000L) {
                try (SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher)) {
                    long t0 = System.nanoTime();
                    while (log.lastIndex() < target) {
                        log.append(entry(log.lastIndex() + 1, log.nextOffset()));
                    }
                    log.whenDurable(log.lastIndex()).get();
                    System.out.printf("filled to %,d records in %.1f s (%d segments, %,d bytes)%n", target,
                            (System.nanoTime() - t0) / 1e9, log.segmentInfos().size(), log.diskBytes());
                }
                // Best of five opens: the first may pay class loading and cold caches.
                double best = Double.MAX_VALUE;
                long scanned = 0;
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime();
                    try (SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher)) {
                        best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                        scanned = log.recoveryScannedBytes();
                        if (log.lastIndex() != target) {
                            throw new IllegalStateException("reopened log ends at " + log.lastIndex());
                        }
                    }
                }
                System.out.printf("open with %,d records: %.2f ms (best of 5), scanned %d bytes of the active segment%n",
                        target, best, scanned);
                target *= 8;
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
