package io.cairn.core.raft;

import io.cairn.core.Invariants;
import io.cairn.core.NodeId;
import io.cairn.core.raft.RaftMessage.AppendRequest;
import io.cairn.core.raft.RaftMessage.AppendResponse;
import io.cairn.core.raft.RaftMessage.Heartbeat;
import io.cairn.core.raft.RaftMessage.InstallSnapshot;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The leader's side of log replication (etcd's {@code raft.sendAppend} and the progress half of
 * {@code stepLeader}): what each follower is sent next (appends, a snapshot, heartbeats) and what
 * its answers mean for its {@link Progress}. Flow control lives here: one probe at a time, a
 * pipeline bounded by {@link RaftConfig#inflightMessagesMax()} and
 * {@link RaftConfig#inflightBytesMax()}, snapshots for followers behind the log start.
 *
 * <p>It decides nothing about commits, leadership or reads: {@link RaftNode} counts quorums,
 * transfers leadership and confirms reads, and calls in here to talk to followers. It sends
 * through the node's outbox and holds no state of its own beyond the tracker's progress, so a new
 * leader term needs no reset here. {@code term} is the leader's term, passed on every call.
 */
final class Replicator {
    private final RaftConfig config;
    private final NodeId self;
    private final RaftLog log;
    private final ProgressTracker tracker;
    private final Consumer<RaftMessage> send;

    Replicator(RaftConfig config, RaftLog log, ProgressTracker tracker, Consumer<RaftMessage> send) {
        this.config = config;
        this.self = config.self();
        this.log = log;
        this.tracker = tracker;
        this.send = send;
    }

    /** Sends every follower what it is missing (an empty append too, if {@code allowEmpty}). */
    void broadcastAppend(long term, boolean allowEmpty) {
        for (Map.Entry<NodeId, Progress> e : tracker.peers().entrySet()) {
            sendAppend(term, e.getKey(), e.getValue(), allowEmpty);
        }
    }

    /** Heartbeats carry the commit index capped at what each follower is known to hold. */
    void broadcastHeartbeat(long term, long readRound) {
        for (Map.Entry<NodeId, Progress> e : tracker.peers().entrySet()) {
            Progress pr = e.getValue();
            long commit = Math.min(pr.match, log.commitIndex());
            send.accept(new Heartbeat(config.groupId(), self, e.getKey(), term, commit, readRound));
            pr.sentCommit = Math.max(pr.sentCommit, commit);
        }
    }

    /** One leader tick: a snapshot unanswered for an election timeout is sent again (via probing). */
    void tick() {
        for (Progress pr : tracker.peers().values()) {
            if (pr.state == ProgressState.SNAPSHOT && ++pr.snapshotElapsedTicks >= config.electionTimeoutTicks()) {
                // The snapshot or its acknowledgement was probably lost; probing again resends it.
                pr.becomeProbe();
            }
        }
    }

    /**
     * A follower rejected an append: back off to where our logs may match (using its hint to skip
     * a whole divergent term) and probe from there. Stale rejections are ignored.
     */
    void rejected(long term, AppendResponse r, Progress pr) {
        if (r.index() == 0) {
            return;
        }
        long hint = r.hintTerm() > 0 ? log.findConflictByTerm(r.hintIndex(), r.hintTerm()) : r.hintIndex();
        if (pr.maybeDecrTo(r.index(), hint)) {
            if (pr.state == ProgressState.REPLICATE) {
                pr.becomeProbe();
                pr.next = Math.max(Math.min(r.index(), hint + 1), pr.match + 1);
            }
            sendAppend(term, r.from(), pr, true);
        }
    }

    /**
     * A follower acknowledged entries up to {@code r.index()}: a probe found its position, or a
     * snapshot was installed, so replication can be pipelined. True if its match index advanced
     * (the caller may then commit).
     */
    boolean acknowledged(AppendResponse r, Progress pr) {
        boolean updated = pr.maybeUpdate(r.index());
        switch (pr.state) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match >= pr.pendingSnapshotIndex) {
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
            case REPLICATE -> { }
        }
        return updated;
    }

    /**
     * After an acknowledgement (and any commit it caused): fill the window. A commit the follower
     * has not heard of is reported by {@link #sendCommitNotices} when the driver next collects a
     * Ready, so that whatever is proposed meanwhile carries it.
     */
    void sendFollowing(long term, NodeId to, Progress pr) {
        while (sendAppend(term, to, pr, false)) {
            // Pipeline until the in-flight window (messages, bytes) is full or nothing is left.
        }
    }

    /**
     * Tells every follower that has not heard of the commit index (up to what it holds) about it,
     * with an empty append where no append carried it since. Called when the driver collects a
     * Ready rather than at the moment the commit advanced: under load the driver proposes the next
     * batch in between, and its append carries the commit, so the empty append and the
     * follower's answer to it (half the messages per entry of a 3-node group) are not sent at all.
     * Idle, the notice leaves in the same Ready as before, so followers still apply promptly.
     */
    void sendCommitNotices(long term) {
        for (Map.Entry<NodeId, Progress> e : tracker.peers().entrySet()) {
            Progress pr = e.getValue();
            if (pr.sentCommit < Math.min(pr.match, log.commitIndex())) {
                sendAppend(term, e.getKey(), pr, true);
            }
        }
    }

    /** A follower answered a heartbeat: it is alive, so whatever it lacks may have been lost. */
    void heartbeatAnswered(long term, NodeId from, Progress pr) {
        pr.probeSent = false;
        if (pr.state == ProgressState.REPLICATE && pr.isPaused(config.inflightMessagesMax(), config.inflightBytesMax())) {
            pr.freeFirstOne();
        }
        if (pr.match < log.lastIndex()) {
            // The follower is alive but behind: appends in flight may have been lost. An append
            // at `next` either extends its log or is rejected, which drops us back to probing.
            sendAppend(term, from, pr, true, true);
        }
    }

    /** Sends the next append (or the snapshot) to one follower; false if no entries were sent. */
    boolean sendAppend(long term, NodeId to, Progress pr, boolean allowEmpty) {
        return sendAppend(term, to, pr, allowEmpty, false);
    }

    private boolean sendAppend(long term, NodeId to, Progress pr, boolean allowEmpty, boolean evenWithInflight) {
        if (pr.isPaused(config.inflightMessagesMax(), config.inflightBytesMax())) {
            return false;
        }
        long prevIndex = pr.next - 1;
        Invariants.check(prevIndex <= log.lastIndex(), "next index %s for %s beyond leader's last %s", pr.next, to, log.lastIndex());
        long prevTerm = log.term(prevIndex);
        if (pr.next < log.firstIndex() || (prevTerm == 0 && prevIndex > 0)) {
            Snapshot snap = log.snapshot();
            Invariants.check(snap.index() > 0, "follower %s needs index %s but there is no snapshot", to, pr.next);
            pr.becomeSnapshot(snap.index());
            send.accept(new InstallSnapshot(config.groupId(), self, to, term, snap));
            return false;
        }
        List<Entry> entries = pr.next <= log.lastIndex()
                ? log.entries(pr.next, log.lastIndex() + 1, config.appendBytesMax())
                : List.of();
        if (entries.isEmpty() && (!allowEmpty || (pr.inflightMessages() > 0 && !evenWithInflight))) {
            // With appends in flight the follower learns the commit index from their successors or
            // the next heartbeat; an empty append overtaking them would only cause a rejection.
            return false;
        }
        long bytes = 0;
        for (Entry e : entries) {
            bytes += e.sizeBytes();
        }
        send.accept(new AppendRequest(config.groupId(), self, to, term, prevIndex, prevTerm, entries, log.commitIndex()));
        pr.sentCommit = Math.max(pr.sentCommit, Math.min(log.commitIndex(), prevIndex + entries.size()));
        if (!entries.isEmpty()) {
            pr.sentEntries(entries.get(entries.size() - 1).index(), bytes);
        } else if (pr.state == ProgressState.PROBE) {
            pr.probeSent = true;
        }
        return !entries.isEmpty();
    }
}
