package io.cairn.core.raft;

import java.util.Arrays;
import java.util.Objects;

/**
 * One Raft log entry. Index and term identify it: by the Log Matching property (Raft §5.3) two
 * logs holding an entry with the same index and term hold identical entries up to there.
 *
 * <p>The {@code data} array is owned by the entry once constructed; callers must not mutate it.
 * Equality compares the data by content so tests and invariants can compare logs.
 */
public record Entry(long term, long index, EntryType type, byte[] data) {
    /** Per-entry accounting overhead (index, term, type, framing) added to the data length. */
    public static final int OVERHEAD_BYTES = 24;

    private static final byte[] EMPTY = new byte[0];

    public Entry {
        Objects.requireNonNull(type, "type");
        if (term < 1 || index < 1) {
            throw new IllegalArgumentException("entry term and index must be >= 1, got term " + term + " index " + index);
        }
        data = data == null ? EMPTY : data;
    }

    /** Size counted against byte bounds (in-flight window, append batches, uncommitted limit). */
    public long sizeBytes() {
        return (long) data.length + OVERHEAD_BYTES;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && term == e.term && index == e.index && type == e.type && Arrays.equals(data, e.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(term, index, type, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return index + "/" + term + ":" + type + "(" + data.length + "B)";
    }
}
