package io.cairn.server.replica;

import io.cairn.core.Invariants;
import io.cairn.core.raft.Entry;

import java.util.Arrays;
import java.util.List;

/**
 * The entries this replica appended to its log most recently, kept in memory: the Raft core drops
 * an entry from its own memory once it is durable, and asks for it again right after to apply it
 * (and, on a leader, to resend it to a follower that missed it). Served from here, those reads skip
 * the positional read, the CRC check and the payload copy of {@code SegmentLog.readFramesFromIndex}.
 *
 * <p>A contiguous run of entries by index, ending at the last entry appended. Bounded by
 * {@link #bytesMax} of {@link Entry#sizeBytes()} and by {@link #ENTRIES_MAX} entries, oldest dropped
 * first. It is only a cache: the segment log stays the truth, and {@link RaftLogView} checks every
 * entry it serves from here against the log's term at that index.
 *
 * <p>Who keeps it right: every change to the log below its end goes through {@link RaftLogView}
 * ({@code truncateSuffix}, {@code dropRecent} after a snapshot install, a repair cut or a disk-full
 * rebuild), which cuts or clears this; an append that does not continue the run restarts it.
 * Owned by the group thread, like the log's writer.
 */
final class RecentEntries {
    /** Bound on the entry bytes held: a few group commits' worth, or two full append windows' tails. */
    static final long BYTES_MAX_DEFAULT = 8L << 20;
    /** Bound on the entries held, whatever their size (an empty no-op counts 24 bytes). */
    static final int ENTRIES_MAX = 1 << 16;
    private static final int INITIAL_CAPACITY = 64;

    private final long bytesMax;
    /** Ring buffer: entry {@code firstIndex + k} sits at {@code ring[(head + k) & (ring.length - 1)]}. */
    private Entry[] ring = new Entry[INITIAL_CAPACITY];
    private int head;
    private int size;
    private long firstIndex;
    private long bytes;

    RecentEntries(long bytesMax) {
        Invariants.check(bytesMax > 0, "bytesMax must be positive, was %s", bytesMax);
        this.bytesMax = bytesMax;
    }

    /** Index of the oldest entry held; meaningless when {@link #isEmpty()}. */
    long firstIndex() {
        return firstIndex;
    }

    /** Index of the newest entry held, or {@code firstIndex - 1} when empty. */
    long lastIndex() {
        return firstIndex + size - 1;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    long bytes() {
        return bytes;
    }

    boolean holds(long index) {
        return size > 0 && index >= firstIndex && index <= lastIndex();
    }

    /** The entry at {@code index}, or null when it is not held. */
    Entry get(long index) {
        if (!holds(index)) {
            return null;
        }
        return ring[(head + (int) (index - firstIndex)) & (ring.length - 1)];
    }

    /**
     * Entries just appended to the log, in index order. An append that starts at or below the
     * last entry held means the log was cut there (the cut is applied here too, so the old
     * entries are never served); one that leaves a gap restarts the run.
     */
    void appended(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long from = entries.get(0).index();
        if (size > 0 && from <= lastIndex()) {
            truncateFrom(from);
        }
        if (size > 0 && from != lastIndex() + 1) {
            clear();
        }
        for (Entry e : entries) {
            add(e);
        }
    }

    private void add(Entry e) {
        if (size == 0) {
            firstIndex = e.index();
        } else {
            Invariants.check(e.index() == lastIndex() + 1, "recent entry %s does not follow %s", e, lastIndex());
        }
        if (size == ring.length) {
            if (ring.length < ENTRIES_MAX) {
                grow();
            } else {
                dropOldest();
            }
        }
        ring[(head + size) & (ring.length - 1)] = e;
        size++;
        bytes += e.sizeBytes();
        while (bytes > bytesMax && size > 0) {
            dropOldest();
        }
    }

    private void grow() {
        Entry[] bigger = new Entry[ring.length * 2];
        for (int k = 0; k < size; k++) {
            bigger[k] = ring[(head + k) & (ring.length - 1)];
        }
        ring = bigger;
        head = 0;
    }

    private void dropOldest() {
        Entry e = ring[head];
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        size--;
        bytes -= e.sizeBytes();
        firstIndex++;
    }

    /** The log lost its entries from {@code index} on: forget them here too. */
    void truncateFrom(long index) {
        if (size == 0 || index > lastIndex()) {
            return;
        }
        if (index <= firstIndex) {
            clear();
            return;
        }
        while (lastIndex() >= index) {
            int at = (head + size - 1) & (ring.length - 1);
            bytes -= ring[at].sizeBytes();
            ring[at] = null;
            size--;
        }
    }

    void clear() {
        Arrays.fill(ring, null);
        head = 0;
        size = 0;
        bytes = 0;
    }
}
