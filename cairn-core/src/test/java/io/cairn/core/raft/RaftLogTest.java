package io.cairn.core.raft;

import io.cairn.core.Invariants;
import io.cairn.core.NodeId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RaftLogTest {
    private static final Membership M = Membership.ofVoters(NodeId.of("n1"));

    private static Entry e(long index, long term) {
        return new Entry(term, index, EntryType.NORMAL, new byte[] {(byte) index});
    }

    private static Ready readyFor(RaftLog log) {
        return new Ready(java.util.Optional.empty(), java.util.Optional.ofNullable(log.snapshotToHandOut()),
                log.truncateFromIndex(), log.entriesToHandOut(), List.of(), List.of(), List.of(), List.of());
    }

    @Test
    void unstableEntriesBecomeStableOnlyWhenReported() {
        MemoryStorage s = new MemoryStorage(M);
        RaftLog log = new RaftLog(s, 0, 0);
        log.appendFromLeader(List.of(e(1, 1), e(2, 1)));
        assertThat(log.stableIndex()).isZero();
        Ready rd = readyFor(log);
        log.handedOut(rd);
        s.append(rd.entries());
        log.stableTo(1, 1);
        assertThat(log.stableIndex()).isEqualTo(1);
        assertThat(log.entries(1, 3, 1 << 20)).containsExactly(e(1, 1), e(2, 1));
    }

    @Test
    void truncatingHandedOutEntriesIsMadeExplicit() {
        MemoryStorage s = new MemoryStorage(M);
        RaftLog log = new RaftLog(s, 0, 0);
        log.appendFromLeader(List.of(e(1, 1), e(2, 1), e(3, 1)));
        log.handedOut(readyFor(log));
        // Not yet handed out entries can be replaced silently; handed-out ones need a truncation.
        log.appendFromLeader(List.of(e(2, 2)));
        assertThat(log.truncateFromIndex()).isEqualTo(2);
        assertThat(log.entriesToHandOut()).containsExactly(e(2, 2));
        // The stale durability report for the old entry 3 must not mark anything stable.
        log.stableTo(3, 1);
        assertThat(log.stableIndex()).isZero();
    }

    @Test
    void neverTruncatesCommittedEntries() {
        MemoryStorage s = new MemoryStorage(M);
        RaftLog log = new RaftLog(s, 0, 0);
        log.appendFromLeader(List.of(e(1, 1), e(2, 1)));
        log.commitTo(2);
        assertThatThrownBy(() -> log.appendFromLeader(List.of(e(2, 2)))).isInstanceOf(Invariants.InvariantViolation.class);
    }

    @Test
    void fastBackoffFindsLastIndexWithTermAtMost() {
        MemoryStorage s = new MemoryStorage(M);
        RaftLog log = new RaftLog(s, 0, 0);
        log.appendFromLeader(List.of(e(1, 1), e(2, 1), e(3, 3), e(4, 3), e(5, 5)));
        assertThat(log.findConflictByTerm(5, 4)).isEqualTo(4);
        assertThat(log.findConflictByTerm(5, 2)).isEqualTo(2);
        assertThat(log.findConflictByTerm(9, 9)).isEqualTo(5);
        assertThat(log.findConflictByTerm(5, 0)).isZero();
    }

    @Test
    void restartClampsACommitBeyondTheDurableLog() {
        MemoryStorage s = new MemoryStorage(M);
        s.append(List.of(e(1, 1), e(2, 1)));
        RaftLog log = new RaftLog(s, 5, 0);
        assertThat(log.commitIndex()).isEqualTo(2);
    }

    @Test
    void scanPagesAndStopsEarly() {
        MemoryStorage s = new MemoryStorage(M);
        s.append(List.of(e(1, 1), e(2, 1), e(3, 1), e(4, 1)));
        RaftLog log = new RaftLog(s, 0, 0);
        List<Long> seen = new ArrayList<>();
        boolean completed = log.scan(2, 10, 1, x -> {
            seen.add(x.index());
            return x.index() < 3;
        });
        assertThat(completed).isFalse();
        assertThat(seen).containsExactly(2L, 3L);
    }

    @Test
    void snapshotReplacesTheLog() {
        MemoryStorage s = new MemoryStorage(M);
        RaftLog log = new RaftLog(s, 0, 0);
        log.appendFromLeader(List.of(e(1, 1)));
        Snapshot snap = new Snapshot(new SnapshotMetadata(10, 2, M), new byte[] {1});
        log.restore(snap);
        assertThat(log.lastIndex()).isEqualTo(10);
        assertThat(log.term(10)).isEqualTo(2);
        assertThat(log.firstIndex()).isEqualTo(11);
        assertThat(log.committedToHandOut(1 << 20)).isEmpty();
        log.handedOut(readyFor(log));
        s.installSnapshot(snap);
        log.snapshotInstalled(snap.metadata());
        assertThat(log.appliedIndex()).isEqualTo(10);
        assertThat(log.stableIndex()).isEqualTo(10);
    }
}
