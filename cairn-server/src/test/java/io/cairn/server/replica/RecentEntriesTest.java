package io.cairn.server.replica;

import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-memory run of recently appended entries: contiguous, bounded, and cut with the log. */
class RecentEntriesTest {
    private static Entry entry(long index, long term, int dataBytes) {
        byte[] data = new byte[dataBytes];
        data[0] = (byte) index;
        data[dataBytes - 1] = (byte) term;
        return new Entry(term, index, EntryType.NORMAL, data);
    }

    private static List<Entry> run(long from, long to, long term, int dataBytes) {
        List<Entry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(entry(i, term, dataBytes));
        }
        return out;
    }

    @Test
    void holdsAContiguousRunAndDropsTheOldestBeyondItsByteBound() {
        // 10 entries of 100 + 24 bytes fit in 1,240 bytes; the 11th pushes the first out.
        RecentEntries r = new RecentEntries(10 * 124);
        r.appended(run(1, 10, 1, 100));
        assertThat(r.firstIndex()).isEqualTo(1);
        assertThat(r.lastIndex()).isEqualTo(10);
        r.appended(run(11, 11, 1, 100));
        assertThat(r.firstIndex()).isEqualTo(2);
        assertThat(r.lastIndex()).isEqualTo(11);
        assertThat(r.bytes()).isEqualTo(10 * 124);
        assertThat(r.get(1)).isNull();
        assertThat(r.get(2)).isEqualTo(entry(2, 1, 100));
        assertThat(r.get(11)).isEqualTo(entry(11, 1, 100));
        assertThat(r.get(12)).isNull();
    }

    @Test
    void growsPastItsInitialCapacityKeepingOrder() {
        RecentEntries r = new RecentEntries(1 << 20);
        for (long i = 1; i <= 1000; i++) {
            r.appended(List.of(entry(i, 1, 8)));
        }
        assertThat(r.size()).isEqualTo(1000);
        for (long i = 1; i <= 1000; i++) {
            assertThat(r.get(i).index()).isEqualTo(i);
        }
    }

    @Test
    void anEntryLargerThanTheBoundIsNotKept() {
        RecentEntries r = new RecentEntries(1000);
        r.appended(run(1, 1, 1, 2000));
        assertThat(r.isEmpty()).isTrue();
        assertThat(r.get(1)).isNull();
        r.appended(run(2, 2, 1, 100)); // A gap after an empty run is a fresh start.
        assertThat(r.get(2)).isEqualTo(entry(2, 1, 100));
    }

    @Test
    void truncationForgetsTheCutEntriesSoTheReplacementsAreServed() {
        RecentEntries r = new RecentEntries(1 << 20);
        r.appended(run(1, 10, 1, 16));
        r.truncateFrom(6);
        assertThat(r.lastIndex()).isEqualTo(5);
        assertThat(r.get(6)).isNull();
        r.appended(run(6, 8, 2, 16));
        assertThat(r.get(6)).isEqualTo(entry(6, 2, 16));
        assertThat(r.get(8)).isEqualTo(entry(8, 2, 16));
        assertThat(r.get(9)).isNull();
        assertThat(r.bytes()).isEqualTo(8 * 40);
    }

    @Test
    void anAppendOverlappingTheRunReplacesItsTailEvenWithoutATruncateCall() {
        RecentEntries r = new RecentEntries(1 << 20);
        r.appended(run(1, 10, 1, 16));
        r.appended(run(4, 5, 3, 16));
        assertThat(r.lastIndex()).isEqualTo(5);
        assertThat(r.get(4).term()).isEqualTo(3);
        assertThat(r.get(3).term()).isEqualTo(1);
        assertThat(r.get(6)).isNull();
    }

    @Test
    void anAppendLeavingAGapRestartsTheRunAndATruncationBelowItClearsIt() {
        RecentEntries r = new RecentEntries(1 << 20);
        r.appended(run(1, 5, 1, 16));
        r.appended(run(100, 101, 2, 16)); // e.g. after a snapshot install the run starts over
        assertThat(r.firstIndex()).isEqualTo(100);
        assertThat(r.get(5)).isNull();
        r.truncateFrom(50);
        assertThat(r.isEmpty()).isTrue();
        assertThat(r.bytes()).isZero();
    }

    @Test
    void theEntryCountIsBoundedToo() {
        RecentEntries r = new RecentEntries(1L << 40);
        r.appended(run(1, RecentEntries.ENTRIES_MAX + 10, 1, 1));
        assertThat(r.size()).isEqualTo(RecentEntries.ENTRIES_MAX);
        assertThat(r.firstIndex()).isEqualTo(11);
        assertThat(r.get(RecentEntries.ENTRIES_MAX + 10).index()).isEqualTo(RecentEntries.ENTRIES_MAX + 10);
    }

    @Test
    void entriesNoLongerNeededAreDroppedFromTheOldEnd() {
        RecentEntries r = new RecentEntries(1 << 20);
        r.appended(run(1, 10, 1, 16));
        r.dropThrough(4);
        assertThat(r.firstIndex()).isEqualTo(5);
        assertThat(r.get(4)).isNull();
        r.dropThrough(20);
        assertThat(r.isEmpty()).isTrue();
        assertThat(r.bytes()).isZero();
    }

    @Test
    void replicasShareTheNodeBudgetAndGiveTheirShareBackWhenCleared() {
        java.util.concurrent.atomic.AtomicLong node = new java.util.concurrent.atomic.AtomicLong();
        RecentEntries a = new RecentEntries(1 << 20, node, 10 * 40);
        RecentEntries b = new RecentEntries(1 << 20, node, 10 * 40);
        a.appended(run(1, 8, 1, 16)); // 8 x 40 bytes
        b.appended(run(1, 4, 1, 16)); // over the node budget by 2 entries: b drops its own oldest
        assertThat(node.get()).isEqualTo(10 * 40);
        assertThat(a.size()).isEqualTo(8);
        assertThat(b.firstIndex()).isEqualTo(3);
        a.truncateFrom(7);
        a.dropThrough(2);
        assertThat(node.get()).isEqualTo(a.bytes() + b.bytes());
        a.clear();
        b.clear();
        assertThat(node.get()).isZero();
    }
}
