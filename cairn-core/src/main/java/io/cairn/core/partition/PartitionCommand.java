package io.cairn.core.partition;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What one Raft entry of a partition group says. The leader proposes these; every replica
 * applies them in log order through {@link PartitionStateMachine}. Their bytes are
 * {@link PartitionCodec}'s business.
 */
public sealed interface PartitionCommand {

    Type type();

    /** The type byte of an entry payload; the storage frame's type field carries the same code. */
    enum Type {
        RECORD_BATCH(1), GROUP_COMMIT(2), DELETE_BEFORE(3), NO_OP(4), CONFIG_CHANGE(5);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static Type ofCode(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new MalformedPayloadException("unknown partition command type " + code);
        }
    }

    /**
     * Records coalesced from one or more produce requests. Record {@code i} gets offset
     * {@code baseOffset + i}; the leader chose {@code baseOffset} as the offset after the last
     * record in its log, and {@link PartitionStateMachine} checks it on apply.
     */
    record RecordBatch(long baseOffset, List<BatchRecord> records) implements PartitionCommand {
        public RecordBatch {
            Objects.requireNonNull(records, "records");
            records = List.copyOf(records);
            if (baseOffset < 0) {
                throw new IllegalArgumentException("baseOffset must be >= 0, was " + baseOffset);
            }
            if (records.isEmpty()) {
                throw new IllegalArgumentException("a record batch holds at least one record");
            }
        }

        @Override
        public Type type() {
            return Type.RECORD_BATCH;
        }

        /** The offset after this batch's last record. */
        public long nextOffset() {
            return baseOffset + records.size();
        }

        public long firstTimestampMs() {
            return records.get(0).timestampMs();
        }

        public long maxTimestampMs() {
            long max = Long.MIN_VALUE;
            for (BatchRecord r : records) {
                max = Math.max(max, r.timestampMs());
            }
            return max;
        }
    }

    /**
     * One record inside a batch. {@code key} and {@code idempotencyKey} may be null; {@code value}
     * may be empty but not null. Arrays are compared by content.
     */
    record BatchRecord(long timestampMs, byte[] key, byte[] value, String idempotencyKey) {
        public BatchRecord {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BatchRecord r && r.timestampMs == timestampMs
                    && Arrays.equals(r.key, key) && Arrays.equals(r.value, value)
                    && Objects.equals(r.idempotencyKey, idempotencyKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(timestampMs, Arrays.hashCode(key), Arrays.hashCode(value), idempotencyKey);
        }

        @Override
        public String toString() {
            return "BatchRecord[ts=" + timestampMs + ", key=" + (key == null ? "null" : key.length + "B")
                    + ", value=" + value.length + "B, idem=" + idempotencyKey + "]";
        }
    }

    /** A consumer group's last processed offset; consumption resumes at {@code offset + 1}. */
    record GroupCommit(String group, long offset) implements PartitionCommand {
        public GroupCommit {
            Objects.requireNonNull(group, "group");
            if (group.isEmpty()) {
                throw new IllegalArgumentException("group must not be empty");
            }
            if (offset < 0) {
                throw new IllegalArgumentException("committed offset must be >= 0, was " + offset);
            }
        }

        @Override
        public Type type() {
            return Type.GROUP_COMMIT;
        }
    }

    /** Why the log start moves: an explicit {@code delete-before}, or a retention rule. */
    enum DeleteReason {
        EXPLICIT(1), RETENTION(2);

        private final int code;

        DeleteReason(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static DeleteReason ofCode(int code) {
            for (DeleteReason r : values()) {
                if (r.code == code) {
                    return r;
                }
            }
            throw new MalformedPayloadException("unknown delete reason " + code);
        }
    }

    /**
     * Raises the log start to {@code offset} (never lowers it, never past the last record). The
     * server deletes whole sealed segments below it after the state machine has been snapshotted.
     */
    record DeleteBefore(long offset, DeleteReason reason) implements PartitionCommand {
        public DeleteBefore {
            Objects.requireNonNull(reason, "reason");
            if (offset < 0) {
                throw new IllegalArgumentException("delete-before offset must be >= 0, was " + offset);
            }
        }

        @Override
        public Type type() {
            return Type.DELETE_BEFORE;
        }
    }

    /** The entry a new leader appends on election (Raft §5.4.2, §8); it changes no state. */
    record NoOp() implements PartitionCommand {
        @Override
        public Type type() {
            return Type.NO_OP;
        }
    }

    /**
     * A Raft membership change. The Raft core interprets {@code data}; the partition state
     * machine only advances its applied index past it.
     */
    record ConfigChange(byte[] data) implements PartitionCommand {
        public ConfigChange {
            Objects.requireNonNull(data, "data");
        }

        @Override
        public Type type() {
            return Type.CONFIG_CHANGE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ConfigChange c && Arrays.equals(c.data, data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "ConfigChange[" + data.length + "B]";
        }
    }
}
