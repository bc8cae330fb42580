package io.cairn.core.partition;

import java.util.List;

/** What applying one committed entry did; the replica hands it to whoever proposed the entry. */
public sealed interface ApplyResult {

    /** Per record, in batch order: its offset, and whether its idempotency key was already owned. */
    record BatchApplied(List<RecordOutcome> records) implements ApplyResult {
        public BatchApplied {
            records = List.copyOf(records);
        }
    }

    /**
     * {@code duplicate=true}: the key was already in the window, so {@code offset} is the first
     * record's offset (the record in this batch still occupies its own offset in the log).
     */
    record RecordOutcome(long offset, boolean duplicate) {}

    /** {@code advanced=false}: the commit was at or below the current one and changed nothing. */
    record CommitApplied(String group, long committedOffset, boolean advanced) implements ApplyResult {}

    /** The commit was refused deterministically on every replica; nothing changed. */
    record CommitRejected(String group, String reason) implements ApplyResult {}

    /** The log start after a delete-before or retention marker. */
    record LogStartRaised(long logStart, boolean advanced) implements ApplyResult {}

    /** No-ops and config changes. */
    record Nothing() implements ApplyResult {}
}
