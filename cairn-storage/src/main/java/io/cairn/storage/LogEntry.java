package io.cairn.storage;

import java.nio.ByteBuffer;

/**
 * One frame of a {@link SegmentLog}: one Raft entry, which is either a batch of records or a
 * control entry ({@code recordCount == 0}).
 *
 * <p>Storage treats {@code type} and {@code payload} as opaque bytes: the encoding of records
 * and the meaning of entry types belong to the layers above. Storage does check the sequence
 * fields on append: {@code raftIndex} is the previous entry's index + 1 and {@code baseOffset}
 * is the previous entry's {@link #endOffset()}.
 *
 * @param type             entry type, opaque to storage
 * @param term             Raft term in which the entry was created
 * @param raftIndex        Raft log index (dense, starting at the log's first index)
 * @param baseOffset       offset of the first record in the payload
 * @param recordCount      number of records in the payload; 0 for control entries
 * @param firstTimestampMs timestamp of the first record (ms since the epoch), 0 if none
 * @param maxTimestampMs   largest record timestamp (ms since the epoch), used for retention by age
 * @param payload          the encoded records, read-only; position 0, limit = payload length
 */
public record LogEntry(
        byte type,
        long term,
        long raftIndex,
        long baseOffset,
        int recordCount,
        long firstTimestampMs,
        long maxTimestampMs,
        ByteBuffer payload) {

    public LogEntry {
        if (term < 0 || raftIndex < 1 || baseOffset < 0 || recordCount < 0) {
            throw new IllegalArgumentException(String.format(
                    "bad entry header: term=%d raftIndex=%d baseOffset=%d recordCount=%d",
                    term, raftIndex, baseOffset, recordCount));
        }
        if (payload == null) {
            throw new IllegalArgumentException("payload must not be null (use an empty buffer)");
        }
        payload = payload.slice().asReadOnlyBuffer();
    }

    /** Builds an entry from a byte array (the array is wrapped, not copied: do not modify it afterwards). */
    public static LogEntry of(byte type, long term, long raftIndex, long baseOffset, int recordCount,
                              long firstTimestampMs, long maxTimestampMs, byte[] payload) {
        return new LogEntry(type, term, raftIndex, baseOffset, recordCount, firstTimestampMs, maxTimestampMs,
                ByteBuffer.wrap(payload));
    }

    /** The offset after this entry's last record: the next entry's {@code baseOffset}. */
    public long endOffset() {
        return baseOffset + recordCount;
    }

    /** Payload length in bytes. */
    public int payloadBytes() {
        return payload.remaining();
    }

    /** A fresh copy of the payload bytes. */
    public byte[] payloadArray() {
        byte[] copy = new byte[payload.remaining()];
        payload.duplicate().get(copy);
        return copy;
    }
}
