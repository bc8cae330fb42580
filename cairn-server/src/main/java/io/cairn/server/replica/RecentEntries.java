package io.cairn.server.replica;

import io.cairn.core.Invariants;
import io.cairn.core.raft.Entry;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The entries this replica appended to its log most recently, kept in memory: the Raft core drops
 * an entry from its own memory once it is durable, and asks for it again right after to apply it
 * (and, on a leader, to resend it to a follower that missed it). Served from here, those reads skip
 * the positional read, the CRC check and the payload copy of {@code SegmentLog.readFramesFromIndex}.
 *
 * <p>A contiguous run of entries by index, ending at the last entry appended. Entries are
 * dropped once nobody needs them ({@link #dropThrough}: applied here and, on a leader, held by
 * every follower), so an idle partition holds nothing. Bounded per replica by {@link #bytesMax}
 * of {@link Entry#sizeBytes()} and {@link #ENTRIES_MAX} entries, and per node by a byte budget
 * shared by all replicas (a node with thousands of partitions, each with a dead follower, would
 * otherwise hold thousands of times the per-replica bound); oldest dropped first. Over the node
 * budget a replica drops its own entries, and reads fall back to the disk. It is only a cache: the segment log stays the truth, and {@link RaftLogView} checks every
 * entry it serves from here against the log's term at that index.
 *
 * <p>Who keeps it right: every change to the log below its end goes through {@link RaftLogView}
 * ({@code truncateSuffix}, {@code dropRecent} after a snapshot install, a repair cut or a disk-full
 * rebuild), which cuts or clears this; an append that does not continue the run restarts it.
 * Owned by the group thread, like the log's writer.
 */
final class RecentEntries {
    /** Bound on the entry bytes one replica holds: two rounds of four 1 MiB batch entries. */
    static final long BYTES_MAX_DEFAULT = 8L << 20;
    /** Bound on the entry bytes all replicas of a node hold together. */
    static final long NODE_BYTES_MAX_DEFAULT = 128L << 20;
    /** Bound on the entries held, whatever their size (an empty no-op counts 24 bytes). */
    static final int ENTRIES_MAX = 1 << 16;
    private static final int INITIAL_CAPACITY = 64;

    private final long bytesMax;
    /** Bytes held by all replicas of the node (this one included), and their bound. */
    private final AtomicLong nodeBytes;
    private final long nodeBytesMax;
    /** Ring buffer: entry {@code firstIndex + k} sits at {@code ring[(head + k) & (ring.length - 1)]}. */
    private Entry[] ring = new Entry[INITIAL_CAPACITY];
    private int head;
    private int size;
    private long firstIndex;
    private long bytes;

    RecentEntries(long bytesMax) {
        this(bytesMax, new AtomicLong(), Long.MAX_VALUE);
    }

    RecentEntries(long bytesMax, AtomicLong nodeBytes, long nodeBytesMax) {
        Invariants.check(bytesMax > 0 && nodeBytesMax > 0, "byte bounds must be positive, were %s and %s",
                bytesMax, nodeBytesMax);
        this.bytesMax = bytesMax;
        this.nodeBytes = nodeBytes;
        this.nodeBytesMax = nodeBytesMax;
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
        nodeBytes.addAndGet(e.sizeBytes());
        while (size > 0 && (bytes > bytesMax || nodeBytes.get() > nodeBytesMax)) {
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
        nodeBytes.addAndGet(-e.sizeBytes());
        firstIndex++;
    }

    /** Entries up to {@code index} are no longer needed (applied, and held by every follower). */
    void dropThrough(long index) {
        while (size > 0 && firstIndex <= index) {
            dropOldest();
        }
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
            nodeBytes.addAndGet(-ring[at].sizeBytes());
            ring[at] = null;
            size--;
        }
    }

    void clear() {
        nodeBytes.addAndGet(-bytes);
        Arrays.fill(ring, null);
        head = 0;
        size = 0;
        bytes = 0;
    }
}
