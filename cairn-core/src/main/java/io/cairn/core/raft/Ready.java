package io.cairn.core.raft;

import java.util.List;
import java.util.Optional;

/**
 * Everything the driver must do after a batch of inputs. The driver handles the fields in this
 * order (see {@code README-raft.md}); each step names the failure its position prevents:
 *
 * <ol>
 *   <li>Send {@link #messages()} now. (Leader appends go out in parallel with the leader's own
 *       fsync; nothing in this list depends on local durability.)</li>
 *   <li>Write to storage, in this order: {@link #snapshot()} (replaces the whole log), then drop
 *       stored entries {@code >= truncateFromIndex()} if it is non-zero, then append
 *       {@link #entries()}, then {@link #hardState()}. Writes of successive Readys must reach the
 *       disk in Ready order.</li>
 *   <li>Apply {@link #committedEntries()} in order; answer {@link #readStates()} once applied up to
 *       their index.</li>
 *   <li>Call {@link RaftNode#advance(Ready)}. It may come before the writes are durable.</li>
 *   <li>When everything written for this Ready (and every earlier one) is durable: send
 *       {@link #messagesAfterPersist()} (vote grants, append acks: sending them earlier lets a
 *       crash lose a vote or an acknowledged entry), then call
 *       {@link RaftNode#snapshotApplied(SnapshotMetadata)} if a snapshot was installed, and
 *       {@link RaftNode#persisted(long, long)} with the last entry's index and term.</li>
 * </ol>
 *
 * @param hardState            term, vote and commit to persist; empty if unchanged
 * @param snapshot             a snapshot from the leader to install; empty if none
 * @param truncateFromIndex    0, or the index from which stored entries conflict with the leader
 *                             and must be dropped before appending (never at or below commit);
 *                             when set, {@code entries} starts at this index
 * @param entries              entries to append, contiguous, in index order
 * @param messages             messages to send now
 * @param messagesAfterPersist messages to send only after this Ready's writes are durable
 * @param committedEntries     committed and locally durable entries to apply, contiguous
 * @param readStates           confirmed reads
 */
public record Ready(
        Optional<HardState> hardState,
        Optional<Snapshot> snapshot,
        long truncateFromIndex,
        List<Entry> entries,
        List<RaftMessage> messages,
        List<RaftMessage> messagesAfterPersist,
        List<Entry> committedEntries,
        List<ReadState> readStates) {

    public Ready {
        entries = List.copyOf(entries);
        messages = List.copyOf(messages);
        messagesAfterPersist = List.copyOf(messagesAfterPersist);
        committedEntries = List.copyOf(committedEntries);
        readStates = List.copyOf(readStates);
        if (truncateFromIndex != 0 && (entries.isEmpty() || entries.get(0).index() != truncateFromIndex)) {
            throw new IllegalArgumentException("truncateFromIndex " + truncateFromIndex + " must equal the first entry's index");
        }
    }

    /** True when there is nothing to write, send or apply. */
    public boolean isEmpty() {
        return hardState.isEmpty() && snapshot.isEmpty() && entries.isEmpty() && messages.isEmpty()
                && messagesAfterPersist.isEmpty() && committedEntries.isEmpty() && readStates.isEmpty();
    }

    /** True when this Ready writes anything that must be durable before its after-persist messages. */
    public boolean needsPersist() {
        return hardState.isPresent() || snapshot.isPresent() || !entries.isEmpty();
    }
}
