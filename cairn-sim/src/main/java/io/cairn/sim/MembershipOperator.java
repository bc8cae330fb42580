package io.cairn.sim;

import io.cairn.core.NodeId;
import io.cairn.core.raft.ConfigChange;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.ProposeResult;
import io.cairn.core.raft.Rejected;
import io.cairn.core.raft.Rejection;

import java.util.ArrayDeque;

/**
 * The simulated operator: carries out membership plans one change at a time, as a person running
 * {@code cairn} admin commands would. A plan to replace node {@code old} by a fresh node is
 * {@code REMOVE old, ADD_LEARNER new, PROMOTE_VOTER new} (add first when the cluster has fewer
 * than three voters, so it never drops to zero). The learner is promoted only once it has caught
 * up to the leader's commit index; a removed node keeps running for a while (so a removed leader
 * must step down by itself) and is then shut down for good.
 *
 * <p>A change is resolved only by seeing what was committed at the index it was proposed at, never
 * by a timeout, so the operator never proposes the same change twice.
 */
final class MembershipOperator {
    /** Bound on queued changes: at most one replacement plan (three changes) at a time. */
    static final int CHANGES_QUEUED_MAX = 3;
    /** Ticks a removed node keeps running before it is shut down. */
    static final int REMOVED_NODE_LINGER_TICKS = 30;

    private final SimCluster cluster;
    private final ArrayDeque<ConfigChange> plan = new ArrayDeque<>();
    private long proposedIndex;
    private long proposedTerm;
    long changesCommitted;
    long leaderRemovals;

    MembershipOperator(SimCluster cluster) {
        this.cluster = cluster;
    }

    boolean isIdle() {
        return plan.isEmpty();
    }

    /** Plans replacing {@code old} with the fresh node {@code fresh} (whose slot has never run). */
    void planReplace(NodeId old, NodeId fresh) {
        if (!plan.isEmpty()) {
            throw new IllegalStateException("a membership plan is already running");
        }
        ConfigChange remove = new ConfigChange(ConfigChange.Type.REMOVE_NODE, old);
        ConfigChange add = new ConfigChange(ConfigChange.Type.ADD_LEARNER, fresh);
        ConfigChange promote = new ConfigChange(ConfigChange.Type.PROMOTE_VOTER, fresh);
        if (cluster.committedMembership.voters().size() >= 3) {
            plan.add(remove);
            plan.add(add);
            plan.add(promote);
        } else {
            plan.add(add);
            plan.add(promote);
            plan.add(remove);
        }
        cluster.trace.add("plan replace " + old + " by " + fresh);
    }

    /** Called once per tick: proposes the next change when nothing is in flight. */
    void step() {
        if (plan.isEmpty()) {
            return;
        }
        if (proposedIndex != 0) {
            Entry e = cluster.checker.committedEntry(proposedIndex);
            if (e == null) {
                return;
            }
            if (e.term() != proposedTerm) {
                // Another leader's entry won that index: our proposal is definitely lost; retry.
                proposedIndex = 0;
            }
            return;
        }
        SimNode leader = cluster.leader();
        if (leader == null) {
            return;
        }
        ConfigChange next = plan.peekFirst();
        SimNode target = cluster.node(next.node());
        switch (next.type()) {
            case ADD_LEARNER -> {
                if (!target.isUp() && !target.retired) {
                    target.start();
                }
            }
            case PROMOTE_VOTER -> {
                if (!target.isUp() || target.appliedIndex < leader.raft.commitIndex()) {
                    return;
                }
            }
            case REMOVE_NODE -> { }
        }
        ProposeResult r = leader.raft.proposeConfigChange(next);
        if (r instanceof ProposeResult.Accepted a) {
            proposedIndex = a.index();
            proposedTerm = a.term();
            cluster.trace.add("propose " + next + " at " + a.index());
            leader.drain();
        } else if (((Rejected) r).reason() == Rejection.INVALID_CONFIG_CHANGE) {
            throw new SimViolation("membership", "core refused planned change " + next
                    + " as invalid under " + leader.raft.status().membership());
        }
    }

    /** A config change entry was committed (first time any node applied it). */
    void onCommitted(Entry e, ConfigChange c) {
        changesCommitted++;
        cluster.count("configChange" + c.type());
        if (proposedIndex == e.index() && proposedTerm == e.term()) {
            proposedIndex = 0;
            ConfigChange done = plan.pollFirst();
            SimViolation.check(c.equals(done), "membership", "committed %s but planned %s", c, done);
        }
        if (c.type() == ConfigChange.Type.REMOVE_NODE) {
            SimNode removed = cluster.node(c.node());
            if (removed.isUp() && removed.raft.role() == io.cairn.core.raft.Role.LEADER) {
                leaderRemovals++;
                cluster.count("leaderRemoved");
            }
            cluster.scheduler.after(REMOVED_NODE_LINGER_TICKS * cluster.tickUs, () -> {
                if (removed.isUp()) {
                    cluster.workload.onCrash(removed);
                    removed.crash();
                }
                removed.retired = true;
            });
        }
    }
}
