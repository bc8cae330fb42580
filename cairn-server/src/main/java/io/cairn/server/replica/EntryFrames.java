package io.cairn.server.replica;

import io.cairn.core.Invariants;
import io.cairn.core.partition.PartitionCodec;
import io.cairn.core.partition.PartitionCommand;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.storage.LogEntry;

/**
 * Maps a Raft {@link Entry} to the storage frame that holds it and back; the Raft log is the
 * segment log, so this is the only translation between them.
 *
 * <p>Frame fields: {@code type} is the Raft {@link EntryType} code; {@code term} and
 * {@code raftIndex} are the entry's; {@code payload} is the entry data unchanged (a
 * {@link PartitionCodec} payload for {@link EntryType#NORMAL}). A record batch fills base
 * offset, record count and timestamps from its payload header; every other entry has no records
 * and sits at the log's next offset, so the segment index can map both offsets and Raft indexes.
 */
final class EntryFrames {
    private EntryFrames() {}

    /** The frame for {@code entry}, which must continue a log whose next offset is {@code nextOffset}. */
    static LogEntry toFrame(Entry entry, long nextOffset) {
        byte[] data = entry.data();
        if (entry.type() == EntryType.NORMAL && PartitionCodec.typeOf(data) == PartitionCommand.Type.RECORD_BATCH) {
            PartitionCodec.BatchHeader h = PartitionCodec.batchHeader(data);
            // A batch proposed at the wrong offset would make two offsets name one record (or none).
            Invariants.check(h.baseOffset() == nextOffset,
                    "entry %s: batch base offset %s is not the log's next offset %s", entry.index(), h.baseOffset(), nextOffset);
            return LogEntry.of((byte) entry.type().code(), entry.term(), entry.index(), h.baseOffset(), h.recordCount(),
                    h.firstTimestampMs(), h.maxTimestampMs(), data);
        }
        return LogEntry.of((byte) entry.type().code(), entry.term(), entry.index(), nextOffset, 0, 0, 0, data);
    }

    static Entry toEntry(LogEntry frame) {
        return new Entry(frame.term(), frame.raftIndex(), EntryType.fromCode(frame.type()), frame.payloadArray());
    }

    /** The partition command an entry carries, for the state machine (record keys and values left out). */
    static PartitionCommand commandForApply(Entry entry) {
        return switch (entry.type()) {
            case NORMAL -> PartitionCodec.decodeForApply(entry.data());
            case NOOP -> new PartitionCommand.NoOp();
            case CONFIG_CHANGE -> new PartitionCommand.ConfigChange(entry.data());
        };
    }
}
