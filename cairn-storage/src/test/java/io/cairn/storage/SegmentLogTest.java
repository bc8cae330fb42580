package io.cairn.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.cairn.storage.TestEntries.appendNext;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SegmentLogTest {
    @TempDir
    Path dir;
    Flusher flusher;
    final List<SegmentLog> opened = new ArrayList<>();
    final AtomicLong clock = new AtomicLong(1_000_000);

    LogConfig small() {
        return LogConfig.defaults().withSegmentBytesMax(2048).withIndexIntervalBytes(256).withClockMs(clock::get);
    }

    SegmentLog open(LogConfig config) throws Exception {
        SegmentLog log = SegmentLog.open(dir, config, flusher);
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
    void emptyLogStartsAtIndexOneOffsetZero() throws Exception {
        SegmentLog log = open(small());
        assertThat(log.firstIndex()).isEqualTo(1);
        assertThat(log.lastIndex()).isZero();
        assertThat(log.lastTerm()).isZero();
        assertThat(log.nextOffset()).isZero();
        assertThat(log.logStartOffset()).isZero();
        assertThat(log.termAt(0)).isZero();
        assertThat(log.readFromOffset(0, 1000)).isEmpty();
        assertThat(log.readFromIndex(1, 10, 1000)).isEmpty();
    }

    @Test
    void appendedEntriesReadBackByOffsetAndIndexAcrossSegments() throws Exception {
        SegmentLog log = open(small());
        List<LogEntry> written = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            written.add(appendNext(log, 1 + i / 50, i % 10 == 0 ? 0 : 1 + i % 3));
        }
        assertThat(log.segmentInfos().size()).isGreaterThan(3);
        for (LogEntry e : written) {
            assertThat(log.readFromIndex(e.raftIndex(), 1, 1)).containsExactly(e);
            assertThat(log.termAt(e.raftIndex())).isEqualTo(e.term());
            if (e.recordCount() > 0) {
                for (long o = e.baseOffset(); o < e.endOffset(); o++) {
                    assertThat(log.readFromOffset(o, 1).get(0)).isEqualTo(e);
                }
            }
        }
        assertThat(log.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
        assertThat(log.termAt(201)).isEqualTo(-1);
    }

    @Test
    void readFromOffsetRespectsByteCapButReturnsAtLeastOneEntry() throws Exception {
        SegmentLog log = open(small());
        for (int i = 0; i < 20; i++) {
            appendNext(log, 1, 2);
        }
        List<LogEntry> one = log.readFromOffset(5, 1);
        assertThat(one).hasSize(1);
        assertThat(one.get(0).baseOffset()).isEqualTo(4);
        List<LogEntry> some = log.readFromOffset(0, 400);
        int frameBytes = some.stream().mapToInt(e -> 54 + e.payloadBytes()).sum();
        assertThat(frameBytes).isLessThanOrEqualTo(400);
        assertThat(some.size()).isBetween(2, 19);
        assertThat(log.readFromIndex(3, 2, Integer.MAX_VALUE)).extracting(LogEntry::raftIndex).containsExactly(3L, 4L);
    }

    @Test
    void reopenRestoresPositionsAndContent() throws Exception {
        SegmentLog log = open(small());
        List<LogEntry> written = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            written.add(appendNext(log, 1 + i / 40, 1 + i % 4));
        }
        long next = log.nextOffset();
        log.close();
        SegmentLog again = open(small());
        assertThat(again.lastIndex()).isEqualTo(120);
        assertThat(again.lastTerm()).isEqualTo(3);
        assertThat(again.nextOffset()).isEqualTo(next);
        assertThat(again.durableIndex()).isEqualTo(120);
        assertThat(again.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
        for (LogEntry e : written) {
            assertThat(again.termAt(e.raftIndex())).isEqualTo(e.term());
        }
        // After a clean close only the active segment's tail is scanned: at most one index interval plus one frame.
        assertThat(again.recoveryScannedBytes()).isLessThanOrEqualTo(256 + 200);
        written.add(appendNext(again, 3, 1));
        assertThat(again.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(written);
    }

    @Test
    void appendOutOfSequenceIsRejectedAndChangesNothing() throws Exception {
        SegmentLog log = open(small());
        appendNext(log, 2, 1);
        assertThatThrownBy(() -> log.append(TestEntries.data(2, 3, 1, 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.append(TestEntries.data(2, 2, 5, 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.append(TestEntries.data(1, 2, 1, 1))).isInstanceOf(IllegalStateException.class);
        assertThat(log.lastIndex()).isEqualTo(1);
        assertThat(log.nextOffset()).isEqualTo(1);
        appendNext(log, 2, 1);
        assertThat(log.lastIndex()).isEqualTo(2);
    }

    @Test
    void oversizedEntryIsRejected() throws Exception {
        SegmentLog log = open(small().withEntryBytesMax(2048));
        LogEntry big = LogEntry.of((byte) 1, 1, 1, 0, 1, 0, 0, new byte[3000]);
        assertThatThrownBy(() -> log.append(big)).isInstanceOf(IllegalArgumentException.class);
        assertThat(log.lastIndex()).isZero();
    }

    @Test
    void whenDurableCompletesAfterFsync() throws Exception {
        SegmentLog log = open(small());
        appendNext(log, 1, 1);
        appendNext(log, 1, 1);
        CompletableFuture<Void> f = log.whenDurable(2);
        f.get(10, TimeUnit.SECONDS);
        assertThat(log.durableIndex()).isGreaterThanOrEqualTo(2);
        assertThat(flusher.fsyncCount()).isPositive();
        assertThat(log.whenDurable(1)).isCompleted();
        assertThatThrownBy(() -> log.whenDurable(3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void suffixTruncationThenAppendKeepsOffsetsDense() throws Exception {
        SegmentLog log = open(small());
        for (int i = 0; i < 100; i++) {
            appendNext(log, 1, 3);
        }
        int segmentsBefore = log.segmentInfos().size();
        LogEntry at40 = log.readFromIndex(40, 1, 1).get(0);
        log.truncateSuffix(40);
        assertThat(log.segmentInfos().size()).isLessThan(segmentsBefore);
        assertThat(log.lastIndex()).isEqualTo(39);
        assertThat(log.nextOffset()).isEqualTo(at40.baseOffset());
        assertThat(log.durableIndex()).isEqualTo(39);
        assertThat(log.termAt(40)).isEqualTo(-1);
        LogEntry replacement = TestEntries.data(2, 40, log.nextOffset(), 5);
        log.append(replacement);
        assertThat(log.readFromOffset(at40.baseOffset(), 1)).containsExactly(replacement);
        assertThat(log.termAt(40)).isEqualTo(2);
        log.close();
        SegmentLog again = open(small());
        List<LogEntry> all = again.readFromIndex(1, Integer.MAX_VALUE, Integer.MAX_VALUE);
        assertThat(all).hasSize(40);
        long expect = 0;
        for (LogEntry e : all) {
            assertThat(e.baseOffset()).isEqualTo(expect);
            expect = e.endOffset();
        }
        assertThat(all.get(39)).isEqualTo(replacement);
    }

    @Test
    void truncationFailsWaitersOfRemovedEntries() throws Exception {
        SegmentLog log = open(small());
        appendNext(log, 1, 1);
        appendNext(log, 1, 1);
        CompletableFuture<Void> f2 = log.whenDurable(2);
        log.truncateSuffix(2);
        // Either it became durable before the truncation, or it was truncated: never left hanging.
        assertThat(f2).isDone();
        if (f2.isCompletedExceptionally()) {
            assertThatThrownBy(f2::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(LogTruncatedException.class);
        }
    }

    @Test
    void retentionDeletesOnlyWholeSealedSegmentsBelowTheOffset() throws Exception {
        SegmentLog log = open(small());
        for (int i = 0; i < 150; i++) {
            appendNext(log, 1, 2);
        }
        List<SegmentInfo> infos = log.segmentInfos();
        assertThat(infos.size()).isGreaterThan(3);
        SegmentInfo second = infos.get(1);
        // An offset inside the second segment deletes the first only.
        Deletion d = log.deleteSegmentsBefore(second.baseOffset() + 1);
        assertThat(d.segments()).isEqualTo(1);
        assertThat(d.bytes()).isEqualTo(infos.get(0).diskBytes());
        assertThat(log.logStartOffset()).isEqualTo(second.baseOffset());
        assertThat(log.firstIndex()).isEqualTo(second.firstRaftIndex());
        assertThatThrownBy(() -> log.readFromOffset(0, 100)).isInstanceOf(OutOfRangeException.class);
        assertThatThrownBy(() -> log.readFromIndex(1, 1, 100)).isInstanceOf(OutOfRangeException.class);
        assertThat(log.termAt(second.firstRaftIndex() - 1)).isEqualTo(1);
        // Everything: the active segment survives.
        Deletion all = log.deleteSegmentsBefore(Long.MAX_VALUE);
        assertThat(all.segments()).isEqualTo(infos.size() - 2);
        assertThat(log.segmentInfos()).hasSize(1);
        assertThat(log.segmentInfos().get(0).sealed()).isFalse();
        long onDisk;
        try (Stream<Path> files = Files.list(dir)) {
            onDisk = files.filter(p -> p.toString().endsWith(".log")).count();
        }
        assertThat(onDisk).isEqualTo(1);
        assertThat(log.diskBytes()).isEqualTo(dirBytes());
        log.close();
        SegmentLog again = open(small());
        assertThat(again.logStartOffset()).isEqualTo(infos.get(infos.size() - 1).baseOffset());
        assertThat(again.lastIndex()).isEqualTo(150);
    }

    @Test
    void diskBytesMatchesTheFilesOnDisk() throws Exception {
        SegmentLog log = open(small());
        for (int i = 0; i < 77; i++) {
            appendNext(log, 1, 1);
        }
        assertThat(log.diskBytes()).isEqualTo(dirBytes());
    }

    /** Bytes of the files, without the zeros the active segment keeps ahead of its frames (not log bytes). */
    private long dirBytes() throws Exception {
        long sum = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                sum += p.toString().endsWith(".log") ? SegmentFiles.frameBytes(p) : Files.size(p);
            }
        }
        return sum;
    }

    @Test
    void segmentsSealByAgeOnlyWhenNotEmpty() throws Exception {
        SegmentLog log = open(small().withSegmentMs(1000));
        clock.addAndGet(5000);
        assertThat(log.rollIfDue()).isFalse();
        appendNext(log, 1, 1);
        assertThat(log.rollIfDue()).isTrue();
        assertThat(log.segmentInfos()).extracting(SegmentInfo::sealed).containsExactly(true, false);
        assertThat(Files.getPosixFilePermissions(dir.resolve("00000000000000000000.log")))
                .doesNotContain(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void segmentsHoldingOnlyControlEntriesGetDistinctNames() throws Exception {
        SegmentLog log = open(small());
        appendNext(log, 1, 1);
        log.rollNow();
        appendNext(log, 2, 0);
        log.rollNow();
        appendNext(log, 2, 0);
        log.rollNow();
        appendNext(log, 2, 3);
        assertThat(log.segmentInfos()).hasSize(4);
        List<LogEntry> all = log.readFromIndex(1, 100, Integer.MAX_VALUE);
        log.close();
        SegmentLog again = open(small());
        assertThat(again.readFromIndex(1, 100, Integer.MAX_VALUE)).isEqualTo(all);
        assertThat(again.readFromOffset(1, 1000)).extracting(LogEntry::raftIndex).containsExactly(4L);
    }

    @Test
    void resetRestartsTheLogEmptyAtTheGivenPoint() throws Exception {
        SegmentLog log = open(small());
        for (int i = 0; i < 60; i++) {
            appendNext(log, 1, 1);
        }
        log.resetTo(1001, 5000, 7);
        assertThat(log.firstIndex()).isEqualTo(1001);
        assertThat(log.lastIndex()).isEqualTo(1000);
        assertThat(log.lastTerm()).isEqualTo(7);
        assertThat(log.nextOffset()).isEqualTo(5000);
        assertThat(log.logStartOffset()).isEqualTo(5000);
        assertThat(log.termAt(1000)).isEqualTo(7);
        LogEntry e = TestEntries.data(8, 1001, 5000, 2);
        log.append(e);
        log.close();
        SegmentLog again = open(small());
        assertThat(again.firstIndex()).isEqualTo(1001);
        assertThat(again.termAt(1000)).isEqualTo(7);
        assertThat(again.readFromOffset(5000, 100)).containsExactly(e);
        assertThat(again.segmentInfos()).hasSize(1);
    }

    @Test
    void interruptedResetIsCompletedOnOpen() throws Exception {
        SegmentLog log = open(small());
        for (int i = 0; i < 60; i++) {
            appendNext(log, 1, 1);
        }
        log.close();
        // The state resetTo leaves if it crashes right after recording its intent.
        new AtomicStateFile(dir.resolve(SegmentLog.RESET_FILE)).write(
                java.nio.ByteBuffer.allocate(24).putLong(501).putLong(900).putLong(4).array());
        SegmentLog again = open(small());
        assertThat(again.firstIndex()).isEqualTo(501);
        assertThat(again.lastIndex()).isEqualTo(500);
        assertThat(again.nextOffset()).isEqualTo(900);
        assertThat(again.termAt(500)).isEqualTo(4);
        assertThat(Files.exists(dir.resolve(SegmentLog.RESET_FILE))).isFalse();
    }

    @Test
    void concurrentReadersSeeOnlyWholeEntriesWhileTheOwnerAppends() throws Exception {
        SegmentLog log = open(small());
        int total = 2000;
        AtomicLong problems = new AtomicLong();
        Thread reader = new Thread(() -> {
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seen < total && System.nanoTime() < deadline) {
                try {
                    List<LogEntry> got = log.readFromIndex(seen + 1, 50, 4096);
                    for (LogEntry e : got) {
                        if (e.raftIndex() != seen + 1 || !e.equals(TestEntries.data(1, e.raftIndex(), e.raftIndex() - 1, 1))) {
                            problems.incrementAndGet();
                        }
                        seen = e.raftIndex();
                    }
                } catch (Exception e) {
                    problems.incrementAndGet();
                }
            }
            if (seen < total) {
                problems.incrementAndGet();
            }
        });
        reader.start();
        for (int i = 0; i < total; i++) {
            appendNext(log, 1, 1);
        }
        reader.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(reader.isAlive()).isFalse();
        assertThat(problems.get()).isZero();
    }

    @Test
    void readersStayConsistentWhileTheOwnerTruncatesRollsAndDeletes() throws Exception {
        SegmentLog log = open(small());
        AtomicLong problems = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread t = new Thread(() -> {
                java.util.Random rnd = new java.util.Random(42);
                while (!stop.get()) {
                    try {
                        long first = log.firstIndex();
                        long last = log.lastIndex();
                        long from = first + (last >= first ? rnd.nextLong(last - first + 1) : 0);
                        List<LogEntry> got = rnd.nextBoolean() ? log.readFromIndex(from, 20, 2048)
                                : log.readFromOffset(log.logStartOffset() + rnd.nextLong(
                                        Math.max(1, log.nextOffset() - log.logStartOffset())), 2048);
                        for (int i = 1; i < got.size(); i++) {
                            LogEntry a = got.get(i - 1);
                            LogEntry b = got.get(i);
                            if (b.raftIndex() != a.raftIndex() + 1 || b.baseOffset() != a.endOffset()) {
                                problems.incrementAndGet();
                            }
                        }
                        reads.incrementAndGet();
                    } catch (OutOfRangeException retention) {
                        // Retention moved the start between the position read and the read: allowed.
                    } catch (Exception e) {
                        e.printStackTrace();
                        problems.incrementAndGet();
                    }
                }
            });
            readers.add(t);
            t.start();
        }
        java.util.Random rnd = new java.util.Random(7);
        long term = 1;
        for (int op = 0; op < 1000; op++) {
            int k = rnd.nextInt(100);
            if (k < 80) {
                appendNext(log, term, rnd.nextInt(4));
            } else if (k < 88 && log.lastIndex() >= log.firstIndex()) {
                term++;
                log.truncateSuffix(log.lastIndex() - rnd.nextInt((int) Math.min(20, log.lastIndex() - log.firstIndex() + 1)));
            } else if (k < 94) {
                log.rollNow();
            } else {
                log.deleteSegmentsBefore(log.nextOffset() - rnd.nextInt(100));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (reads.get() < 100 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(reads.get()).isGreaterThanOrEqualTo(100);
        assertThat(problems.get()).isZero();
    }
}
