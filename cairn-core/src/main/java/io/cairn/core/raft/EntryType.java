package io.cairn.core.raft;

/**
 * What a log entry carries. The core interprets only {@link #NOOP} and {@link #CONFIG_CHANGE};
 * applications put their own entry kinds (record batches, offset commits, ...) inside
 * {@link #NORMAL} data with their own tag.
 */
public enum EntryType {
    /** Application data, opaque to the core. */
    NORMAL,
    /**
     * Appended by every new leader in its term. Committing it commits every earlier entry
     * (Raft §5.4.2), which is when the leader becomes ready for writes and reads.
     */
    NOOP,
    /** An encoded {@link ConfigChange}; takes effect when it is applied (handed out committed). */
    CONFIG_CHANGE;

    private static final EntryType[] VALUES = values();

    /** Stable wire code: the ordinal is part of the on-disk and peer format, so never reorder. */
    public int code() {
        return ordinal();
    }

    public static EntryType fromCode(int code) {
        if (code < 0 || code >= VALUES.length) {
            throw new IllegalArgumentException("unknown entry type code " + code);
        }
        return VALUES[code];
    }
}
