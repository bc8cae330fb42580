package io.cairn.core.partition;

import io.cairn.core.Invariants;
import io.cairn.core.partition.ApplyResult.BatchApplied;
import io.cairn.core.partition.ApplyResult.CommitApplied;
import io.cairn.core.partition.ApplyResult.CommitRejected;
import io.cairn.core.partition.ApplyResult.LogStartRaised;
import io.cairn.core.partition.ApplyResult.Nothing;
import io.cairn.core.partition.ApplyResult.RecordOutcome;
import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionCommand.ConfigChange;
import io.cairn.core.partition.PartitionCommand.DeleteBefore;
import io.cairn.core.partition.PartitionCommand.GroupCommit;
import io.cairn.core.partition.PartitionCommand.NoOp;
import io.cairn.core.partition.PartitionCommand.RecordBatch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The state of one partition, built by applying its committed Raft entries in log order.
 *
 * <p>State: the next offset to assign (so the high watermark), the log start, each consumer
 * group's committed offset, the {@link IdempotencyWindow}, and the index and term of the last
 * applied entry. It is deterministic: the same entries give byte-identical {@link #snapshot()}s
 * on every replica.
 *
 * <p>Invariants checked on every apply (a violation stops the replica rather than serve a log
 * it cannot vouch for): entries arrive with consecutive indexes and non-decreasing terms; a
 * record batch starts exactly at the next offset, so offsets are dense; the log start never
 * passes the next offset; group offsets never move backwards.
 *
 * <p>Not thread-safe: one Raft group thread owns it.
 */
public final class PartitionStateMachine {
    /** Snapshot format version; bump it when the layout changes and keep reading the old one. */
    public static final int SNAPSHOT_VERSION = 1;
    private static final int SNAPSHOT_MAGIC = 0x43534e50; // "CSNP"

    private final PartitionLimits limits;
    private final IdempotencyWindow window;
    /** Sorted so snapshots are byte-identical across replicas. */
    private final TreeMap<String, Long> groupOffsets = new TreeMap<>();
    private long appliedIndex;
    private long appliedTerm;
    private long nextOffset;
    private long logStart;

    public PartitionStateMachine(PartitionLimits limits) {
        this.limits = limits;
        this.window = new IdempotencyWindow(limits.dedupeWindowMs(), limits.dedupeWindowKeysMax());
    }

    public PartitionLimits limits() {
        return limits;
    }

    /** Index of the last applied Raft entry; 0 before the first. */
    public long appliedIndex() {
        return appliedIndex;
    }

    public long appliedTerm() {
        return appliedTerm;
    }

    /** The offset the next record will get: also the high watermark once everything is applied. */
    public long nextOffset() {
        return nextOffset;
    }

    public long logStart() {
        return logStart;
    }

    /** The group's committed offset, or -1 when it has committed nothing. */
    public long committedOffset(String group) {
        Long o = groupOffsets.get(group);
        return o == null ? -1 : o;
    }

    public Map<String, Long> groupOffsets() {
        return Collections.unmodifiableMap(groupOffsets);
    }

    /** For tests in this package that check the window's bounds directly. */
    IdempotencyWindow window() {
        return window;
    }

    public int idempotencyKeys() {
        return window.size();
    }

    /** The first record's offset for {@code key} if it is inside the window as of {@code nowMs}. */
    public IdempotencyWindow.Entry lookupIdempotencyKey(String key, long nowMs) {
        return window.lookup(key, nowMs);
    }

    /** Applies the committed entry at {@code index}, which must be the next one. */
    public ApplyResult apply(long index, long term, PartitionCommand command) {
        Invariants.check(index == appliedIndex + 1,
                "partition entries must be applied in order: applied %s, got %s", appliedIndex, index);
        Invariants.check(term >= appliedTerm,
                "entry %s has term %s below the applied term %s", index, term, appliedTerm);
        ApplyResult result = switch (command) {
            case RecordBatch b -> applyBatch(index, b);
            case GroupCommit c -> applyCommit(c);
            case DeleteBefore d -> applyDeleteBefore(d);
            case NoOp n -> new Nothing();
            case ConfigChange c -> new Nothing();
        };
        appliedIndex = index;
        appliedTerm = term;
        return result;
    }

    private ApplyResult applyBatch(long index, RecordBatch b) {
        Invariants.check(b.baseOffset() == nextOffset,
                "entry %s: batch base offset %s is not the next offset %s (offsets must be dense)",
                index, b.baseOffset(), nextOffset);
        window.advanceClock(b.maxTimestampMs());
        List<RecordOutcome> out = new ArrayList<>(b.records().size());
        long offset = b.baseOffset();
        for (BatchRecord r : b.records()) {
            if (r.idempotencyKey() == null) {
                out.add(new RecordOutcome(offset, false));
            } else {
                IdempotencyWindow.Entry owner = window.putIfAbsent(r.idempotencyKey(), offset);
                out.add(owner == null ? new RecordOutcome(offset, false) : new RecordOutcome(owner.offset(), true));
            }
            offset++;
        }
        nextOffset = offset;
        return new BatchApplied(out);
    }

    private ApplyResult applyCommit(GroupCommit c) {
        Long current = groupOffsets.get(c.group());
        if (current != null && c.offset() <= current) {
            return new CommitApplied(c.group(), current, false);
        }
        if (c.offset() >= nextOffset) {
            return new CommitRejected(c.group(),
                    "offset " + c.offset() + " is at or beyond the high watermark " + nextOffset);
        }
        if (current == null && groupOffsets.size() >= limits.groupsMax()) {
            return new CommitRejected(c.group(),
                    "partition already holds the maximum of " + limits.groupsMax() + " consumer groups");
        }
        groupOffsets.put(c.group(), c.offset());
        return new CommitApplied(c.group(), c.offset(), true);
    }

    private ApplyResult applyDeleteBefore(DeleteBefore d) {
        long target = Math.min(d.offset(), nextOffset);
        if (target <= logStart) {
            return new LogStartRaised(logStart, false);
        }
        logStart = target;
        return new LogStartRaised(logStart, true);
    }

    /**
     * The whole state as bytes: magic, version, applied index and term, next offset, log start,
     * log clock, group offsets (sorted), idempotency window (oldest first), then a CRC32C of all
     * that precedes it.
     */
    public byte[] snapshot() {
        ByteWriter w = new ByteWriter(64 + window.size() * 48 + groupOffsets.size() * 32);
        w.writeInt(SNAPSHOT_MAGIC);
        w.writeByte(SNAPSHOT_VERSION);
        w.writeLong(appliedIndex);
        w.writeLong(appliedTerm);
        w.writeLong(nextOffset);
        w.writeLong(logStart);
        w.writeLong(window.clockMs());
        w.writeVarLong(groupOffsets.size());
        for (Map.Entry<String, Long> g : groupOffsets.entrySet()) {
            w.writeString(g.getKey());
            w.writeVarLong(g.getValue());
        }
        List<Map.Entry<String, IdempotencyWindow.Entry>> keys = window.entriesOldestFirst();
        w.writeVarLong(keys.size());
        for (Map.Entry<String, IdempotencyWindow.Entry> k : keys) {
            w.writeString(k.getKey());
            w.writeVarLong(k.getValue().offset());
            w.writeLong(k.getValue().timestampMs());
        }
        CRC32C crc = new CRC32C();
        crc.update(w.array(), 0, w.size());
        w.writeInt((int) crc.getValue());
        return w.toByteArray();
    }

    /**
     * Rebuilds a state machine from {@link #snapshot()} bytes. Fails with
     * {@link MalformedPayloadException} on a CRC mismatch, an unknown version or trailing bytes.
     * If {@code limits} are tighter than the snapshot's window, the oldest keys are evicted.
     */
    public static PartitionStateMachine restore(byte[] snapshot, PartitionLimits limits) {
        if (snapshot.length < 4 + 1 + 4) {
            throw new MalformedPayloadException("snapshot too short: " + snapshot.length + " bytes");
        }
        int bodyLength = snapshot.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(snapshot, 0, bodyLength);
        int stored = new ByteReader(snapshot, bodyLength, 4).readInt();
        if (stored != (int) crc.getValue()) {
            throw new MalformedPayloadException("snapshot CRC mismatch");
        }
        ByteReader r = new ByteReader(snapshot, 0, bodyLength);
        if (r.readInt() != SNAPSHOT_MAGIC) {
            throw new MalformedPayloadException("not a partition snapshot (bad magic)");
        }
        int version = r.readByte();
        if (version != SNAPSHOT_VERSION) {
            throw new MalformedPayloadException("unsupported snapshot version " + version);
        }
        PartitionStateMachine sm = new PartitionStateMachine(limits);
        sm.appliedIndex = r.readLong();
        sm.appliedTerm = r.readLong();
        sm.nextOffset = r.readLong();
        sm.logStart = r.readLong();
        sm.window.restoreClock(r.readLong());
        if (sm.appliedIndex < 0 || sm.appliedTerm < 0 || sm.nextOffset < 0
                || sm.logStart < 0 || sm.logStart > sm.nextOffset) {
            throw new MalformedPayloadException("snapshot header is inconsistent: index " + sm.appliedIndex
                    + " term " + sm.appliedTerm + " next offset " + sm.nextOffset + " log start " + sm.logStart);
        }
        long groups = r.readVarLong();
        checkCount(groups, r, "groups");
        for (long i = 0; i < groups; i++) {
            sm.groupOffsets.put(r.readString("group"), r.readVarLong());
        }
        long keys = r.readVarLong();
        checkCount(keys, r, "idempotency keys");
        for (long i = 0; i < keys; i++) {
            String key = r.readString("idempotency key");
            long offset = r.readVarLong();
            long ts = r.readLong();
            sm.window.restore(key, new IdempotencyWindow.Entry(offset, ts));
        }
        r.expectEnd("snapshot");
        return sm;
    }

    /** Every element takes at least two bytes, which bounds a damaged count before looping. */
    private static void checkCount(long count, ByteReader r, String what) {
        if (count < 0 || count > r.remaining() / 2) {
            throw new MalformedPayloadException("snapshot claims " + count + " " + what
                    + " but only " + r.remaining() + " bytes remain");
        }
    }
}
