package io.cairn.storage.impl;

import io.cairn.core.Invariants;

import java.util.Arrays;

/**
 * The in-memory sparse index of one segment: points (offset, raftIndex, term, position), sorted
 * by all four. A point is added for the segment's first entry, for every entry whose term differs
 * from the previous entry's (so {@link Points#termFloor} gives the exact term of any index), and
 * at least every {@code indexIntervalBytes} of frames.
 *
 * <p>Thread model: one writer adds points; readers take a {@link #snapshot()} that is immutable
 * for them. Arrays are only written beyond a published size, so a snapshot never sees a change,
 * except through {@link #truncate(int)}, which callers do under the log's structure write lock.
 */
public final class SparseIndex {
    /** An immutable view of the first {@code size} points. */
    public record Points(long[] offsets, long[] indexes, long[] terms, int[] positions, long[] maxTimestampsMs,
                         int size) {
        /** Slot of the last point with raftIndex &lt;= {@code raftIndex}, or -1. */
        public int floorByIndex(long raftIndex) {
            int lo = 0;
            int hi = size - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (indexes[mid] <= raftIndex) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found;
        }

        /** Slot of the last point with offset &lt;= {@code offset}, or -1. */
        public int floorByOffset(long offset) {
            int lo = 0;
            int hi = size - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (offsets[mid] <= offset) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found;
        }

        /** Slot of the first point at or after {@code position}, or {@code size}. */
        public int firstAtOrAfterPosition(long position) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (positions[mid] < position) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    private volatile Points points =
            new Points(new long[16], new long[16], new long[16], new int[16], new long[16], 0);

    public Points snapshot() {
        return points;
    }

    public int size() {
        return points.size();
    }

    /**
     * Writer only. {@code maxTimestampMs} is the segment's largest timestamp before this point's
     * entry (persisted so that recovery from this point knows it).
     */
    public void add(long offset, long raftIndex, long term, int position, long maxTimestampMs) {
        Points p = points;
        int n = p.size();
        if (n > 0) {
            Invariants.check(raftIndex > p.indexes()[n - 1] && offset >= p.offsets()[n - 1]
                            && term >= p.terms()[n - 1] && position > p.positions()[n - 1],
                    "index point (%d, %d, %d, %d) does not follow (%d, %d, %d, %d)", offset, raftIndex, term,
                    position, p.offsets()[n - 1], p.indexes()[n - 1], p.terms()[n - 1], p.positions()[n - 1]);
        }
        long[] offsets = p.offsets();
        long[] indexes = p.indexes();
        long[] terms = p.terms();
        int[] positions = p.positions();
        long[] maxTs = p.maxTimestampsMs();
        if (n == offsets.length) {
            int cap = n * 2;
            offsets = Arrays.copyOf(offsets, cap);
            indexes = Arrays.copyOf(indexes, cap);
            terms = Arrays.copyOf(terms, cap);
            positions = Arrays.copyOf(positions, cap);
            maxTs = Arrays.copyOf(maxTs, cap);
        }
        offsets[n] = offset;
        indexes[n] = raftIndex;
        terms[n] = term;
        positions[n] = position;
        maxTs[n] = maxTimestampMs;
        // The volatile write publishes the slot written above to readers.
        points = new Points(offsets, indexes, terms, positions, maxTs, n + 1);
    }

    /** Keeps the first {@code n} points. Only under the log's structure write lock. */
    public void truncate(int n) {
        Points p = points;
        Invariants.check(n >= 0 && n <= p.size(), "truncate index to %d of %d points", n, p.size());
        points = new Points(p.offsets(), p.indexes(), p.terms(), p.positions(), p.maxTimestampsMs(), n);
    }
}
