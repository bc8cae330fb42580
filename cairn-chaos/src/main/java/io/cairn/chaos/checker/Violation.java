package io.cairn.chaos.checker;

/** One broken promise, with enough detail to find it in the history. */
public record Violation(Kind kind, String detail) {

    /** The promise a violation breaks (DESIGN.md §1 numbering in the comments). */
    public enum Kind {
        /** §1.1: an acknowledged write is missing from the committed log. */
        LOST_WRITE,
        /** §1.2: an acknowledged offset names a different record than the one acknowledged there. */
        OFFSET_CHANGED,
        /** §1.2: a gap or repeat in a partition's offsets. */
        OFFSETS_NOT_DENSE,
        /** §1.2: two nodes hold different records at the same offset. */
        REPLICAS_DIVERGE,
        /** §1.4: one idempotency key's record appears more than once, or acks disagree on its offset. */
        DUPLICATE,
        /** §1.1/§1.2: a producer's later acknowledged write got a lower offset than its earlier one. */
        ORDER,
        /** §1.5: a group's committed offset went backwards. */
        COMMIT_REGRESSED,
        /** §1.3: a record a reader saw is gone or changed in the committed log. */
        READ_VANISHED,
        /** §1.6: a write reported as definitely failed is in the log. */
        FAILED_WRITE_APPEARED,
        /** §1.7: after the final heal the cluster did not take a write within the bound. */
        NO_RECOVERY,
        /**
         * §1.7/§1.8: after the final heal a node answers reads of a partition with an error (for
         * example a checksum failure it neither repaired nor quarantined). A lagging node is not this.
         */
        REPLICA_UNREADABLE,
        /** The final read of a partition could not be completed, so the other checks are partial. */
        INCOMPLETE_FINAL_READ
    }

    @Override
    public String toString() {
        return kind + ": " + detail;
    }
}
