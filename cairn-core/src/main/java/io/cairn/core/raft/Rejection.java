package io.cairn.core.raft;

/** Why the node refused a proposal, read or transfer. Nothing was changed. */
public enum Rejection {
    /** This node is not the leader; see the leader hint, if any. */
    NOT_LEADER,
    /**
     * This node is leader but has not yet committed the no-op of its term, so it cannot yet know
     * which earlier entries are committed (needed to dedupe and to serve reads).
     */
    LEADER_NOT_READY,
    /** A leadership transfer is in progress; retry on the new leader. */
    TRANSFER_IN_PROGRESS,
    /** A membership change is still pending; only one at a time. */
    CONFIG_CHANGE_PENDING,
    /** The membership change does not apply to the current membership (e.g. removing a non-member). */
    INVALID_CONFIG_CHANGE,
    /** The leader's uncommitted bytes or pending reads are at their bound; back off and retry. */
    OVERLOADED
}
