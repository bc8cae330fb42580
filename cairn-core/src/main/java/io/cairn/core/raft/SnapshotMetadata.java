package io.cairn.core.raft;

import java.util.Objects;

/**
 * Describes the log prefix a snapshot replaces: every entry up to {@code index} (whose term is
 * {@code term}) is folded into the application's snapshot data, and {@code membership} is the
 * group membership in effect at {@code index}.
 */
public record SnapshotMetadata(long index, long term, Membership membership) {
    public SnapshotMetadata {
        Objects.requireNonNull(membership, "membership");
        if (index < 0 || term < 0 || (index == 0) != (term == 0)) {
            throw new IllegalArgumentException("bad snapshot position " + index + "/" + term);
        }
    }
}
