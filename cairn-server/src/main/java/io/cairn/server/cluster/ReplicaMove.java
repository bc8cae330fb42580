package io.cairn.server.cluster;

import io.cairn.core.NodeId;
import io.cairn.core.raft.ConfigChange;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.PeerProgress;
import io.cairn.core.raft.RaftNode;
import io.cairn.core.raft.Role;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.replica.PartitionReplica;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Moves one replica of a partition from node {@code from} to node {@code to} by changing the
 * partition's Raft group on its leader, one membership change at a time (Raft dissertation §4.1):
 * add {@code to} as a learner, wait until it has caught up, promote it to voter, then remove
 * {@code from}. If this node is {@code from} and leads, it hands leadership to {@code to} first and
 * answers with a redirect to the new leader, which finishes the move.
 *
 * <p>Every step is decided from the group's applied membership, so calling again after a crash,
 * a timeout or a leader change continues where the group is; a step whose change is still pending
 * is simply waited for. The replica layer's group thread runs every decision ({@link
 * PartitionReplica#withRaft}); this class only polls.
 */
final class ReplicaMove {
    /** How long one call drives the move before answering 504 (the caller calls again). */
    static final long CALL_TIMEOUT_MS = 60_000;
    /** Between two looks at the group: short against a change that commits in one round trip. */
    static final long POLL_MS = 50;
    /**
     * A learner this close to the leader's last entry counts as caught up, so it can be promoted
     * while writes keep arriving (waiting for an exact match could wait forever under load).
     */
    static final long PROMOTE_LAG_ENTRIES_MAX = 64;

    private enum Step { DONE, WAITING, TRANSFERRING, NOT_LEADER }

    private record Decision(Step step, String detail, Optional<NodeId> leader) {
        static Decision of(Step step, String detail) {
            return new Decision(step, detail, Optional.empty());
        }
    }

    private final PartitionReplica replica;
    private final NodeId self;
    private final NodeId from;
    private final NodeId to;
    private final Function<NodeId, Optional<String>> httpUrl;
    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private final long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALL_TIMEOUT_MS);
    private volatile String lastDetail = "starting";
    /** When this call last asked for a leadership transfer; 0 = never. Group thread only. */
    private long transferAskedNanos;
    /**
     * A transfer that has not happened by then is asked for again. Asking on every poll would keep
     * restarting the core's transfer window, and the leader refuses writes while a transfer runs.
     */
    static final long TRANSFER_RETRY_MS = 2_000;

    private ReplicaMove(PartitionReplica replica, NodeId self, NodeId from, NodeId to,
                        Function<NodeId, Optional<String>> httpUrl) {
        this.replica = replica;
        this.self = self;
        this.from = from;
        this.to = to;
        this.httpUrl = httpUrl;
    }

    /**
     * Drives the move on this node's replica. Completes when {@code to} is a voter and {@code from}
     * no member; fails with NotLeader (307 to the leader) when another node leads, Unavailable
     * while no leader is known, OutcomeUnknown (504) when the call's time is up before the end.
     */
    static CompletableFuture<Void> drive(PartitionReplica replica, NodeId self, NodeId from, NodeId to,
                                         Function<NodeId, Optional<String>> httpUrl) {
        ReplicaMove m = new ReplicaMove(replica, self, from, to, httpUrl);
        m.next();
        return m.result;
    }

    private void next() {
        replica.withRaft(this::decide).whenComplete((d, t) -> {
            if (t != null) {
                result.completeExceptionally(t);
                return;
            }
            lastDetail = d.detail();
            switch (d.step()) {
                case DONE -> result.complete(null);
                case NOT_LEADER -> {
                    Optional<String> url = d.leader().filter(l -> !l.equals(self)).flatMap(httpUrl);
                    // With no leader known (an election runs) the caller asks again shortly.
                    result.completeExceptionally(url.isPresent()
                            ? new BrokerException.NotLeader(d.leader().get().value(), url.get())
                            : new BrokerException.Unavailable("no_leader", replica + " has no leader right now", 500));
                }
                case WAITING, TRANSFERRING -> later();
            }
        });
    }

    private void later() {
        if (System.nanoTime() > deadlineNanos) {
            result.completeExceptionally(new BrokerException.OutcomeUnknown("moving the replica of " + replica + " from "
                    + from + " to " + to + " is not finished after " + CALL_TIMEOUT_MS + " ms (" + lastDetail
                    + "); it continues when asked again"));
            return;
        }
        CompletableFuture.delayedExecutor(POLL_MS, TimeUnit.MILLISECONDS).execute(this::next);
    }

    /** One look at the group, on its thread: take the next step if it is due. */
    private Decision decide(RaftNode raft) {
        if (raft.role() != Role.LEADER) return new Decision(Step.NOT_LEADER, "not leader", raft.leader());
        Membership m = raft.membership();
        if (!m.contains(to)) {
            raft.proposeConfigChange(new ConfigChange(ConfigChange.Type.ADD_LEARNER, to));
            return Decision.of(Step.WAITING, "adding " + to + " as a learner");
        }
        if (m.isLearner(to)) {
            long last = raft.status().lastIndex();
            long match = raft.progress().stream().filter(p -> p.node().equals(to)).mapToLong(PeerProgress::matchIndex)
                    .findFirst().orElse(0);
            if (match >= raft.commitIndex() || last - match <= PROMOTE_LAG_ENTRIES_MAX) {
                raft.proposeConfigChange(new ConfigChange(ConfigChange.Type.PROMOTE_VOTER, to));
                return Decision.of(Step.WAITING, "promoting " + to + " to voter");
            }
            return Decision.of(Step.WAITING, "learner " + to + " catching up: has index " + match + " of " + last);
        }
        if (m.contains(from)) {
            if (from.equals(self)) {
                // A leader removing itself would stop serving the moment the change applies; handing
                // over first keeps the partition writable and lets the new leader do the removal.
                long now = System.nanoTime();
                if (transferAskedNanos == 0 || now - transferAskedNanos > TimeUnit.MILLISECONDS.toNanos(TRANSFER_RETRY_MS)) {
                    transferAskedNanos = now;
                    raft.transferLeadership(to);
                }
                return Decision.of(Step.TRANSFERRING, "handing leadership from " + from + " to " + to);
            }
            raft.proposeConfigChange(new ConfigChange(ConfigChange.Type.REMOVE_NODE, from));
            return Decision.of(Step.WAITING, "removing " + from);
        }
        return Decision.of(Step.DONE, "done");
    }
}
