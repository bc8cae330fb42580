package io.cairn.server.replica;

import io.cairn.core.NodeId;
import io.cairn.core.partition.PartitionCodec;
import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionCommand.RecordBatch;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.HardState;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.RaftStorage.InitialState;
import io.cairn.storage.Flusher;
import io.cairn.storage.LogConfig;
import io.cairn.storage.SegmentLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Raft core's reads over a real segment log: recent entries come from memory, older ones
 * from disk (with their frames kept for replication), and an entry the log no longer holds at
 * its index and term is never served, whichever way the log was cut.
 */
class RaftLogViewTest {
    private static final Membership MEMBERS = Membership.ofVoters(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));

    @TempDir
    Path dir;
    private Flusher flusher;
    private SegmentLog log;
    private RaftLogView view;
    private ReplicationFrames frames;

    @BeforeEach
    void open() throws Exception {
        flusher = new Flusher("view-test");
        log = SegmentLog.open(dir, LogConfig.defaults().withSegmentBytesMax(1 << 20), flusher);
        // Room for about 10 of this test's entries (~120 bytes each) in memory.
        view = new RaftLogView(log, new SnapshotFile(dir, "raft-snapshot"), RaftLogView.emptySnapshot(MEMBERS),
                new InitialState(HardState.EMPTY, MEMBERS, 0), new RecentEntries(1300));
        frames = new ReplicationFrames(1 << 20);
        view.setFrames(frames);
    }

    @AfterEach
    void close() throws Exception {
        log.close();
        flusher.close();
    }

    private Entry batch(long index, long term, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        return new Entry(term, index, EntryType.NORMAL, PartitionCodec.encode(new RecordBatch(index - 1,
                List.of(new BatchRecord(1000 + index, null, v, null)))));
    }

    /** Appends as PartitionReplica.appendEntries does: the frame to the log, then the entries to the view. */
    private List<Entry> append(long from, long to, long term, String tag) throws Exception {
        List<Entry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            Entry e = batch(i, term, tag + "-" + i + "-" + "x".repeat(40));
            log.append(EntryFrames.toFrame(e, log.nextOffset()));
            out.add(e);
        }
        view.appended(out);
        return out;
    }

    @Test
    void recentEntriesAreServedFromMemoryAndOlderOnesFromDiskWithTheirFrames() throws Exception {
        List<Entry> written = append(1, 30, 1, "a");
        log.whenDurable(30).get();

        long disk0 = view.entriesFromDisk();
        assertThat(view.entries(25, 31, Long.MAX_VALUE)).isEqualTo(written.subList(24, 30));
        assertThat(view.entriesFromDisk()).isEqualTo(disk0);
        assertThat(view.entriesFromMemory()).isEqualTo(6);
        assertThat(frames.framesOf(written.subList(24, 30))).as("no frames for entries served from memory").isNull();

        // Entry 1 is long out of the memory bound: a catch-up read goes to disk and keeps the frames.
        assertThat(view.entries(1, 11, Long.MAX_VALUE)).isEqualTo(written.subList(0, 10));
        assertThat(view.entriesFromDisk()).isEqualTo(disk0 + 10);
        assertThat(frames.framesOf(written.subList(0, 10))).isNotNull();

        // The byte budget is honoured from memory as from disk (at least one entry).
        assertThat(view.entries(28, 31, 1)).isEqualTo(written.subList(27, 28));
    }

    @Test
    void aTruncatedSuffixIsNeverServedFromMemoryAfterItIsReplaced() throws Exception {
        append(1, 10, 1, "old");
        view.truncateSuffix(6);
        List<Entry> replacement = append(6, 10, 2, "new");
        log.whenDurable(10).get();

        List<Entry> read = view.entries(6, 11, Long.MAX_VALUE);
        assertThat(read).isEqualTo(replacement);
        assertThat(read).allSatisfy(e -> assertThat(e.term()).isEqualTo(2));
    }

    @Test
    void anEntryTheLogNoLongerHoldsIsNotServedEvenIfTheCutBypassedTheView() throws Exception {
        append(1, 10, 1, "old");
        // A path that changes the log without telling the view (the failure this check exists for).
        log.truncateSuffix(6);
        List<Entry> replacement = new ArrayList<>();
        for (long i = 6; i <= 10; i++) {
            Entry e = batch(i, 2, "new-" + i);
            log.append(EntryFrames.toFrame(e, log.nextOffset()));
            replacement.add(e);
        }
        log.whenDurable(10).get();

        assertThat(view.entries(6, 11, Long.MAX_VALUE)).isEqualTo(replacement);
        // A log cut shorter than the memory run is caught too.
        log.truncateSuffix(9);
        assertThat(view.entries(6, 9, Long.MAX_VALUE)).isEqualTo(replacement.subList(0, 3));
    }

    @Test
    void entriesNoLongerNeededAreFreedAndThenReadFromDisk() throws Exception {
        List<Entry> written = append(1, 5, 1, "a");
        log.whenDurable(5).get();
        view.recentNotNeededThrough(3);
        long memory0 = view.entriesFromMemory();
        long disk0 = view.entriesFromDisk();
        // A read that starts on disk stays there (its frames can go to a follower as they are).
        assertThat(view.entries(1, 6, Long.MAX_VALUE)).isEqualTo(written);
        assertThat(view.entriesFromDisk() - disk0).isEqualTo(5);
        assertThat(view.entriesFromMemory() - memory0).isZero();
        assertThat(view.entries(4, 6, Long.MAX_VALUE)).isEqualTo(written.subList(3, 5));
        assertThat(view.entriesFromMemory() - memory0).isEqualTo(2);
    }

    @Test
    void afterDropRecentEverythingComesFromDisk() throws Exception {
        List<Entry> written = append(1, 5, 1, "a");
        log.whenDurable(5).get();
        view.dropRecent();
        long memory0 = view.entriesFromMemory();
        assertThat(view.entries(1, 6, Long.MAX_VALUE)).isEqualTo(written);
        assertThat(view.entriesFromMemory()).isEqualTo(memory0);
        // And new appends start a new run in memory.
        List<Entry> more = append(6, 7, 1, "b");
        assertThat(view.entries(6, 8, Long.MAX_VALUE)).isEqualTo(more);
        assertThat(view.entriesFromMemory()).isEqualTo(memory0 + 2);
    }
}
