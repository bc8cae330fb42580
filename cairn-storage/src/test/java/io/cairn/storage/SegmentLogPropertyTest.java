package io.cairn.storage;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random operations (append, wait for durability, truncate, seal, retention, reset, clean
 * reopen, crash) against a simple in-memory model. A crash drops what was not fsynced: the
 * active segment is cut back to a random length at or above its last known fsynced length, with
 * random zeros after it (a torn page), and its unsynced index tail is cut at random too. After
 * the reopen the log must hold a prefix of the model at least as long as the durable index.
 */
class SegmentLogPropertyTest {
    private static final int FRAME_HEADER_BYTES = 54;

    /** The model: the entries the log should hold, from its first index on. */
    static final class Model {
        final List<LogEntry> entries = new ArrayList<>();
        long firstIndex = 1;
        long startOffset = 0;
        long prevTerm = 0;
        long durableIndex = 0;

        long lastIndex() {
            return firstIndex + entries.size() - 1;
        }

        long lastTerm() {
            return entries.isEmpty() ? prevTerm : entries.get(entries.size() - 1).term();
        }

        long nextOffset() {
            return entries.isEmpty() ? startOffset : entries.get(entries.size() - 1).endOffset();
        }

        LogEntry at(long index) {
            return entries.get((int) (index - firstIndex));
        }

        /** Drops entries before {@code newFirst} (retention). */
        void dropBefore(long newFirst) {
            while (firstIndex < newFirst) {
                LogEntry e = entries.remove(0);
                prevTerm = e.term();
                startOffset = e.endOffset();
                firstIndex++;
            }
        }

        void truncateFrom(long index) {
            while (lastIndex() >= index) {
                entries.remove(entries.size() - 1);
            }
        }
    }

    @Property(tries = 40)
    void logMatchesModelUnderRandomOperationsAndCrashes(@ForAll long seed, @ForAll @IntRange(min = 20, max = 80) int ops)
            throws Exception {
        Random rnd = new Random(seed);
        Path dir = Files.createTempDirectory("cairn-prop");
        LogConfig config = LogConfig.defaults().withSegmentBytesMax(1024 + rnd.nextInt(3000))
                .withIndexIntervalBytes(1 + rnd.nextInt(600));
        Model m = new Model();
        long term = 1;
        int crashes = 0;
        long lostEntries = 0;
        try (Flusher flusher = new Flusher("prop")) {
            SegmentLog log = SegmentLog.open(dir, config, flusher);
            try {
                for (int op = 0; op < ops; op++) {
                    int kind = rnd.nextInt(100);
                    String what;
                    if (kind < 45) {
                        what = "append";
                        int n = 1 + rnd.nextInt(8);
                        for (int i = 0; i < n; i++) {
                            if (rnd.nextInt(10) == 0) {
                                term++;
                            }
                            int records = rnd.nextInt(5) == 0 ? 0 : 1 + rnd.nextInt(4);
                            byte[] payload = new byte[rnd.nextInt(rnd.nextInt(10) == 0 ? 900 : 80)];
                            rnd.nextBytes(payload);
                            LogEntry e = LogEntry.of((byte) rnd.nextInt(3), term, m.lastIndex() + 1, m.nextOffset(),
                                    records, 7, 9 + records, payload);
                            log.append(e);
                            m.entries.add(e);
                        }
                    } else if (kind < 55) {
                        what = "wait";
                        log.whenDurable(log.lastIndex()).get(30, TimeUnit.SECONDS);
                        m.durableIndex = m.lastIndex();
                    } else if (kind < 63) {
                        what = "truncate";
                        long from = m.firstIndex + rnd.nextInt((int) (m.lastIndex() - m.firstIndex + 2));
                        log.truncateSuffix(from);
                        m.truncateFrom(from);
                        m.durableIndex = m.lastIndex();
                    } else if (kind < 70) {
                        what = "seal";
                        log.rollNow();
                        // Sealing fsyncs the segment; earlier ones were fsynced when sealed.
                        m.durableIndex = m.lastIndex();
                    } else if (kind < 77) {
                        what = "retention";
                        long offset = m.startOffset + rnd.nextInt((int) (m.nextOffset() - m.startOffset + 2));
                        List<SegmentInfo> before = log.segmentInfos();
                        Deletion d = log.deleteSegmentsBefore(offset);
                        for (int i = 0; i < d.segments(); i++) {
                            assertThat(before.get(i).sealed()).isTrue();
                            assertThat(before.get(i).endOffset()).isLessThanOrEqualTo(offset);
                        }
                        assertThat(d.segments()).isLessThan(before.size());
                        if (d.segments() < before.size() - 1) {
                            SegmentInfo kept = before.get(d.segments());
                            assertThat(kept.endOffset() > offset || !kept.sealed()).isTrue();
                        }
                        m.dropBefore(log.firstIndex());
                        assertThat(log.logStartOffset()).isEqualTo(m.startOffset);
                    } else if (kind < 80) {
                        what = "reset";
                        long next = m.lastIndex() + 1 + rnd.nextInt(50) - 10;
                        next = Math.max(1, next);
                        long off = Math.max(0, m.nextOffset() + rnd.nextInt(50) - 10);
                        term++;
                        log.resetTo(next, off, term);
                        m.entries.clear();
                        m.firstIndex = next;
                        m.startOffset = off;
                        m.prevTerm = term;
                        m.durableIndex = m.lastIndex();
                    } else if (kind < 88) {
                        what = "reopen";
                        log.close();
                        m.durableIndex = m.lastIndex();
                        log = SegmentLog.open(dir, config, flusher);
                    } else {
                        what = "crash";
                        long activeFirst = log.segmentInfos().get(log.segmentInfos().size() - 1).firstRaftIndex();
                        log.crashForTest();
                        simulateCrash(dir, m, activeFirst, rnd);
                        log = SegmentLog.open(dir, config, flusher);
                        long survived = log.lastIndex();
                        assertThat(survived).as("seed %d op %d: durable entries survive", seed, op)
                                .isBetween(m.durableIndex, m.lastIndex());
                        lostEntries += m.lastIndex() - survived;
                        crashes++;
                        m.truncateFrom(survived + 1);
                        m.durableIndex = m.lastIndex();
                    }
                    check(log, m, rnd, "seed " + seed + " op " + op + " " + what);
                }
                check(log, m, rnd, "seed " + seed + " end");
                assertThat(log.readFromIndex(m.firstIndex, Integer.MAX_VALUE, Integer.MAX_VALUE))
                        .isEqualTo(m.entries);
                log.verifySealed();
                System.out.printf("seed %d: %d ops, %d crashes losing %d unsynced entries, %d segments%n", seed, ops,
                        crashes, lostEntries, log.segmentInfos().size());
            } finally {
                log.close();
                deleteRecursively(dir);
            }
        }
    }

    private static void check(SegmentLog log, Model m, Random rnd, String where) throws Exception {
        assertThat(log.firstIndex()).as(where).isEqualTo(m.firstIndex);
        assertThat(log.lastIndex()).as(where).isEqualTo(m.lastIndex());
        assertThat(log.lastTerm()).as(where).isEqualTo(m.lastTerm());
        assertThat(log.nextOffset()).as(where).isEqualTo(m.nextOffset());
        assertThat(log.logStartOffset()).as(where).isEqualTo(m.startOffset);
        assertThat(log.termAt(m.firstIndex - 1)).as(where).isEqualTo(m.prevTerm);
        assertThat(log.diskBytes()).as(where).isPositive();
        if (m.entries.isEmpty()) {
            assertThat(log.readFromOffset(m.startOffset, 100)).as(where).isEmpty();
            return;
        }
        for (int probe = 0; probe < 3; probe++) {
            LogEntry e = m.entries.get(rnd.nextInt(m.entries.size()));
            assertThat(log.termAt(e.raftIndex())).as(where).isEqualTo(e.term());
            assertThat(log.readFromIndex(e.raftIndex(), 1, 1)).as(where).containsExactly(e);
            long offset = m.startOffset + rnd.nextInt((int) (m.nextOffset() - m.startOffset + 1));
            List<LogEntry> got = log.readFromOffset(offset, 1);
            LogEntry expected = m.entries.stream().filter(x -> x.endOffset() > offset).findFirst().orElse(null);
            if (expected == null) {
                assertThat(got).as(where).isEmpty();
            } else {
                assertThat(got).as(where + " offset " + offset).containsExactly(expected);
            }
        }
    }

    /**
     * Cuts the active segment back to a random length no shorter than what was fsynced, then
     * may append zeros (a torn page), and cuts its index file at random above the header.
     */
    private static void simulateCrash(Path dir, Model m, long activeFirstIndex, Random rnd) throws IOException {
        Path active;
        try (Stream<Path> files = Files.list(dir)) {
            // Segment order: base offset, then the plain name before any "-<first index>" name.
            active = files.filter(p -> p.toString().endsWith(".log"))
                    .max(Comparator.comparing((Path p) -> p.getFileName().toString().substring(0, 20))
                            .thenComparing(p -> p.getFileName().toString().length())
                            .thenComparing(p -> p.getFileName().toString()))
                    .orElseThrow();
        }
        long durableBytes = 0;
        for (LogEntry e : m.entries) {
            if (e.raftIndex() >= activeFirstIndex && e.raftIndex() <= m.durableIndex) {
                durableBytes += FRAME_HEADER_BYTES + e.payloadBytes();
            }
        }
        long size = Files.size(active);
        assertThat(size).isGreaterThanOrEqualTo(durableBytes);
        long keep = durableBytes + (size == durableBytes ? 0 : (long) (rnd.nextDouble() * (size - durableBytes + 1)));
        keep = Math.min(keep, size);
        try (RandomAccessFile f = new RandomAccessFile(active.toFile(), "rw")) {
            f.setLength(keep);
            if (rnd.nextBoolean()) {
                f.setLength(keep + rnd.nextInt(200));
            }
        }
        Path index = Path.of(active.toString().replace(".log", ".index"));
        if (Files.exists(index) && rnd.nextBoolean()) {
            long indexSize = Files.size(index);
            if (indexSize > 44) {
                try (RandomAccessFile f = new RandomAccessFile(index.toFile(), "rw")) {
                    f.setLength(44 + (long) (rnd.nextDouble() * (indexSize - 44)));
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
