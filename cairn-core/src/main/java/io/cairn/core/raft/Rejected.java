package io.cairn.core.raft;

import io.cairn.core.NodeId;

import java.util.Objects;
import java.util.Optional;

/** A refused proposal or read, with the leader this node believes in (for redirects), if any. */
public record Rejected(Rejection reason, Optional<NodeId> leaderHint) implements ProposeResult, ReadIndexResult {
    public Rejected {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(leaderHint, "leaderHint");
    }
}
