package io.cairn.core.partition;

import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionCommand.ConfigChange;
import io.cairn.core.partition.PartitionCommand.DeleteBefore;
import io.cairn.core.partition.PartitionCommand.DeleteReason;
import io.cairn.core.partition.PartitionCommand.GroupCommit;
import io.cairn.core.partition.PartitionCommand.NoOp;
import io.cairn.core.partition.PartitionCommand.RecordBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of a partition command inside a Raft entry (and so inside a storage frame).
 *
 * <pre>
 * payload      = version:u8(=1) type:u8 body
 * RECORD_BATCH = baseOffset:varint baseTimestampMs:i64 count:varint record*
 * record       = offsetDelta:varint timestampDelta:zigzag key:bytes? value:bytes idempotencyKey:utf8?
 * GROUP_COMMIT = group:utf8 offset:varint
 * DELETE_BEFORE= offset:varint reason:u8
 * NO_OP        = (empty)
 * CONFIG_CHANGE= data:bytes
 * bytes?       = length:zigzag (-1 = null) then that many bytes
 * </pre>
 *
 * <p>An empty payload also decodes as {@link NoOp}: that is what a Raft core's own election
 * entry carries. The offset delta is stored rather than implied so that a reader can verify a
 * batch is dense without trusting the count. Integrity (CRC32C) is the storage frame's job.
 */
public final class PartitionCodec {
    public static final int VERSION = 1;

    /** Sanity bound on records per batch when decoding: a larger count means a damaged payload. */
    public static final int BATCH_RECORDS_MAX = 1 << 24;

    private PartitionCodec() {}

    public static byte[] encode(PartitionCommand command) {
        ByteWriter w = new ByteWriter(command instanceof RecordBatch b ? estimate(b) : 32);
        w.writeByte(VERSION);
        w.writeByte(command.type().code());
        switch (command) {
            case RecordBatch b -> writeBatch(w, b);
            case GroupCommit c -> {
                w.writeString(c.group());
                w.writeVarLong(c.offset());
            }
            case DeleteBefore d -> {
                w.writeVarLong(d.offset());
                w.writeByte(d.reason().code());
            }
            case NoOp n -> { }
            case ConfigChange c -> w.writeNullableBytes(c.data());
        }
        return w.toByteArray();
    }

    public static PartitionCommand decode(byte[] payload) {
        return decode(payload, true);
    }

    /**
     * Like {@link #decode(byte[])}, but a record batch comes back without its record keys and
     * values (each record has a null key and an empty value). That is all
     * {@link PartitionStateMachine} needs (offsets, timestamps, idempotency keys), and it spares
     * copying every value when a restart replays the log. Never use it to serve reads.
     */
    public static PartitionCommand decodeForApply(byte[] payload) {
        return decode(payload, false);
    }

    private static PartitionCommand decode(byte[] payload, boolean withData) {
        if (payload.length == 0) {
            return new NoOp();
        }
        ByteReader r = new ByteReader(payload);
        int version = r.readByte();
        if (version != VERSION) {
            throw new MalformedPayloadException("unsupported partition payload version " + version);
        }
        PartitionCommand.Type type = PartitionCommand.Type.ofCode(r.readByte());
        PartitionCommand out = switch (type) {
            case RECORD_BATCH -> readBatch(r, withData);
            case GROUP_COMMIT -> {
                String group = r.readString("group");
                long offset = r.readVarLong();
                yield new GroupCommit(group, offset);
            }
            case DELETE_BEFORE -> {
                long offset = r.readVarLong();
                yield new DeleteBefore(offset, DeleteReason.ofCode(r.readByte()));
            }
            case NO_OP -> new NoOp();
            case CONFIG_CHANGE -> {
                byte[] data = r.readNullableBytes("config change data");
                if (data == null) {
                    throw new MalformedPayloadException("config change data must not be null");
                }
                yield new ConfigChange(data);
            }
        };
        r.expectEnd(type.name());
        return out;
    }

    /** The command type of a payload without decoding its body. */
    public static PartitionCommand.Type typeOf(byte[] payload) {
        if (payload.length == 0) {
            return PartitionCommand.Type.NO_OP;
        }
        if (payload.length < 2 || (payload[0] & 0xFF) != VERSION) {
            throw new MalformedPayloadException("not a version-" + VERSION + " partition payload");
        }
        return PartitionCommand.Type.ofCode(payload[1] & 0xFF);
    }

    /**
     * The header of a record batch payload: what a storage frame needs (base offset, count,
     * first and max timestamp) without copying any key or value.
     */
    public record BatchHeader(long baseOffset, int recordCount, long firstTimestampMs, long maxTimestampMs) {}

    public static BatchHeader batchHeader(byte[] payload) {
        if (typeOf(payload) != PartitionCommand.Type.RECORD_BATCH) {
            throw new MalformedPayloadException("not a record batch payload");
        }
        ByteReader r = new ByteReader(payload, 2, payload.length - 2);
        long baseOffset = r.readVarLong();
        long baseTs = r.readLong();
        int count = readCount(r);
        long first = 0;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < count; i++) {
            checkDelta(r.readVarLong(), i);
            long ts = baseTs + r.readZigZag();
            if (i == 0) {
                first = ts;
            }
            max = Math.max(max, ts);
            skip(r, "key");
            skip(r, "value");
            skip(r, "idempotency key");
        }
        r.expectEnd("RECORD_BATCH");
        return new BatchHeader(baseOffset, count, first, max);
    }

    private static int estimate(RecordBatch b) {
        long n = 32;
        for (BatchRecord rec : b.records()) {
            n += 24 + rec.value().length + (rec.key() == null ? 0 : rec.key().length)
                    + (rec.idempotencyKey() == null ? 0 : rec.idempotencyKey().length() * 3L);
        }
        return (int) Math.min(n, Integer.MAX_VALUE - 8);
    }

    private static void writeBatch(ByteWriter w, RecordBatch b) {
        long baseTs = b.firstTimestampMs();
        w.writeVarLong(b.baseOffset());
        w.writeLong(baseTs);
        w.writeVarLong(b.records().size());
        int delta = 0;
        for (BatchRecord rec : b.records()) {
            w.writeVarLong(delta++);
            w.writeZigZag(rec.timestampMs() - baseTs);
            w.writeNullableBytes(rec.key());
            w.writeNullableBytes(rec.value());
            w.writeNullableString(rec.idempotencyKey());
        }
    }

    private static final byte[] NO_DATA = new byte[0];

    private static RecordBatch readBatch(ByteReader r, boolean withData) {
        long baseOffset = r.readVarLong();
        long baseTs = r.readLong();
        int count = readCount(r);
        List<BatchRecord> records = new ArrayList<>(Math.min(count, 4096));
        for (int i = 0; i < count; i++) {
            checkDelta(r.readVarLong(), i);
            long ts = baseTs + r.readZigZag();
            byte[] key;
            byte[] value;
            if (withData) {
                key = r.readNullableBytes("key");
                value = r.readNullableBytes("value");
                if (value == null) {
                    throw new MalformedPayloadException("record " + i + " has a null value");
                }
            } else {
                r.skipNullableBytes("key");
                if (r.skipNullableBytes("value") < 0) {
                    throw new MalformedPayloadException("record " + i + " has a null value");
                }
                key = null;
                value = NO_DATA;
            }
            String idem = r.readNullableString("idempotency key");
            records.add(new BatchRecord(ts, key, value, idem));
        }
        return new RecordBatch(baseOffset, records);
    }

    private static int readCount(ByteReader r) {
        long count = r.readVarLong();
        if (count < 1 || count > BATCH_RECORDS_MAX) {
            throw new MalformedPayloadException("bad record count " + count);
        }
        return (int) count;
    }

    private static void checkDelta(long delta, int i) {
        if (delta != i) {
            throw new MalformedPayloadException("record " + i + " has offset delta " + delta + ": batch is not dense");
        }
    }

    private static void skip(ByteReader r, String what) {
        r.skipNullableBytes(what);
    }
}
