package io.cairn.core.raft;

import io.cairn.core.Invariants;

import java.util.ArrayDeque;

/**
 * The leader's replication state for one member (etcd's {@code tracker.Progress}).
 *
 * <p>In {@link ProgressState#PROBE} one append is outstanding at a time until the follower's log
 * position is found; in {@link ProgressState#REPLICATE} appends are pipelined, bounded by the
 * in-flight window in messages and bytes; in {@link ProgressState#SNAPSHOT} nothing is sent until
 * the snapshot is acknowledged or times out.
 */
final class Progress {
    private record Inflight(long lastIndex, long bytes) {}

    long match;
    long next;
    ProgressState state = ProgressState.PROBE;
    /** In PROBE: an append was sent and no answer has come back yet. */
    boolean probeSent;
    long pendingSnapshotIndex;
    /** Ticks spent waiting for a snapshot acknowledgement; resent after an election timeout. */
    int snapshotElapsedTicks;
    boolean recentActive;
    /** Highest commit index this follower was told about, so a quiet follower still learns commits. */
    long sentCommit;
    boolean voter;
    private final ArrayDeque<Inflight> inflights = new ArrayDeque<>();
    private long inflightBytes;

    Progress(long next, boolean voter) {
        this.next = next;
        this.voter = voter;
    }

    int inflightMessages() {
        return inflights.size();
    }

    boolean isPaused(int inflightMessagesMax, long inflightBytesMax) {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.size() >= inflightMessagesMax || inflightBytes >= inflightBytesMax;
            case SNAPSHOT -> true;
        };
    }

    void becomeProbe() {
        if (state == ProgressState.SNAPSHOT) {
            next = Math.max(match + 1, pendingSnapshotIndex + 1);
            pendingSnapshotIndex = 0;
        } else {
            next = match + 1;
        }
        state = ProgressState.PROBE;
        probeSent = false;
        clearInflights();
    }

    void becomeReplicate() {
        state = ProgressState.REPLICATE;
        next = match + 1;
        probeSent = false;
        clearInflights();
    }

    void becomeSnapshot(long snapshotIndex) {
        state = ProgressState.SNAPSHOT;
        pendingSnapshotIndex = snapshotIndex;
        snapshotElapsedTicks = 0;
        probeSent = false;
        clearInflights();
    }

    /** Records an append just sent that ends at {@code lastIndex}. */
    void sentEntries(long lastIndex, long bytes) {
        switch (state) {
            case REPLICATE -> {
                next = lastIndex + 1;
                inflights.addLast(new Inflight(lastIndex, bytes));
                inflightBytes += bytes;
            }
            case PROBE -> probeSent = true;
            case SNAPSHOT -> throw Invariants.fail("append sent while waiting for a snapshot");
        }
    }

    /** A successful acknowledgement up to {@code index}; returns true if it was news. */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (index > match) {
            match = index;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        freeTo(index);
        return updated;
    }

    /**
     * A rejection of the append at {@code rejected}; moves {@code next} back toward the follower's
     * hint. Returns false if the rejection is stale (answers an append we no longer care about).
     */
    boolean maybeDecrTo(long rejected, long hintIndex) {
        if (rejected <= match && hintIndex < match) {
            // The follower no longer holds entries it acknowledged: it cut its log at damaged
            // data and is repairing (protocol-aware recovery). Without this the leader would
            // treat every answer as stale and never resend them. A stale rejection can look the
            // same; lowering match is always safe (it only delays commits and write concerns),
            // and the hint is at most the follower's last index, all of which matched us.
            match = hintIndex;
            becomeProbe();
            next = hintIndex + 1;
            return true;
        }
        if (state == ProgressState.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, hintIndex + 1), match + 1);
        probeSent = false;
        return true;
    }

    /** Frees one in-flight slot; a heartbeat answer shows the follower is alive, so unstick the window. */
    void freeFirstOne() {
        Inflight f = inflights.pollFirst();
        if (f != null) {
            inflightBytes -= f.bytes;
        }
    }

    private void freeTo(long index) {
        while (!inflights.isEmpty() && inflights.peekFirst().lastIndex <= index) {
            inflightBytes -= inflights.pollFirst().bytes;
        }
    }

    private void clearInflights() {
        inflights.clear();
        inflightBytes = 0;
    }
}
