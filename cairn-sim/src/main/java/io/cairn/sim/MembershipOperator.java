package io.cairn.sim;

import io.cairn.core.NodeId;
import io.cairn.core.raft.ConfigChange;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.ProposeResult;


/**
 * The simulated operator: carries out a membership goal one change at a time, as a person running
 * {@code cairn} admin commands would. Replacing node {@code old} by a fresh node means reaching
 * "old is gone, fresh is a voter" through {@code REMOVE old, ADD_LEARNER fresh, PROMOTE_VOTER fresh}
 * (add first when the group has fewer than three voters, so it never drops to zero). The learner
 * is promoted only once it has caught up to the leader's commit index; a removed node keeps
 * running for a while (so a removed leader must step down by itself) and is shut down only once
 * the new voters know it is gone.
 *
 * <p>The operator is goal-driven: every tick it derives the next change from the committed
 * membership and proposes it to the current leader. A proposal lost to a leader change is thus
 * simply proposed again; the core's one-pending-change rule refuses a duplicate while the first
 * is still in the leader's log, and a re-proposal can only commit if the lost one never does
 * (a committed entry of a later term ends every log that held the lost one).
 */
final class MembershipOperator {
    /** Ticks a removed node keeps running at least before it is shut down. */
    static final int REMOVED_NODE_LINGER_TICKS = 30;

    private final SimCluster cluster;
    private NodeId old;
    private NodeId fresh;
    private boolean addFirst;
    long changesCommitted;
    long leaderRemovals;
    long proposals;

    MembershipOperator(SimCluster cluster) {
        this.cluster = cluster;
    }

    boolean isIdle() {
        return old == null;
    }

    /** Plans replacing {@code old} with the fresh node {@code fresh} (whose slot has never run). */
    void planReplace(NodeId old, NodeId fresh) {
        if (!isIdle()) {
            throw new IllegalStateException("a membership plan is already running");
        }
        this.old = old;
        this.fresh = fresh;
        this.addFirst = cluster.committedMembership.voters().size() < 3;
        cluster.note("plan replace " + old + " by " + fresh);
    }

    /** The next change toward the goal under membership {@code m}, or null when the goal is reached. */
    private ConfigChange next(io.cairn.core.raft.Membership m) {
        boolean oldGone = !m.contains(old);
        boolean freshVoter = m.isVoter(fresh);
        if (oldGone && freshVoter) {
            return null;
        }
        if (!oldGone && (!addFirst || freshVoter)) {
            return new ConfigChange(ConfigChange.Type.REMOVE_NODE, old);
        }
        if (!m.contains(fresh)) {
            return new ConfigChange(ConfigChange.Type.ADD_LEARNER, fresh);
        }
        return new ConfigChange(ConfigChange.Type.PROMOTE_VOTER, fresh);
    }

    /** Called once per tick: proposes the next change toward the goal to the current leader. */
    void step() {
        if (isIdle()) {
            return;
        }
        ConfigChange next = next(cluster.committedMembership);
        if (next == null) {
            cluster.note("plan done " + old + " -> " + fresh);
            old = null;
            fresh = null;
            return;
        }
        SimNode leader = cluster.leader();
        if (leader == null) {
            return;
        }
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
            case REMOVE_NODE -> {
                if (leader.id.equals(next.node()) && cluster.committedMembership.voters().size() <= 2) {
                    // Open core issue (seeds 308, 492, 715 without this): membership switches when
                    // a change is applied, so in a two-voter group the survivor may never learn
                    // that the leader's removal committed, while the removed leader (whose log is
                    // longer: it kept accepting proposals) refuses it its vote and no longer
                    // campaigns: the group wedges. Like etcd's operators, move leadership away
                    // first in that case. Groups of three or more voters do remove their leader
                    // (counted as leaderRemoved in the coverage).
                    NodeId other = cluster.committedMembership.voters().stream()
                            .filter(v -> !v.equals(next.node())).findFirst().orElse(null);
                    if (other != null) {
                        leader.raft.transferLeadership(other);
                        leader.drain();
                    }
                    return;
                }
            }
        }
        ProposeResult r = leader.raft.proposeConfigChange(next);
        if (r instanceof ProposeResult.Accepted a) {
            proposals++;
            cluster.note("propose " + next + " at " + a.index());
            leader.drain();
        }
        // Rejections (a change already pending, the leader not ready yet, or a leader that has not
        // applied the latest committed change) are retried on a later tick.
    }

    /**
     * Shuts a removed node down once a majority of the new voters have applied its removal, and
     * not before {@link #REMOVED_NODE_LINGER_TICKS}. Shutting it down earlier can wedge the group:
     * the core switches membership when it applies a change, so if the removed leader vanishes
     * before the remaining voters learn that the removal committed, they keep counting it in
     * their quorum and can never elect a leader (seed 1431: a two-voter group removing its leader
     * while the other voter was down). The real operator tooling must wait the same way.
     */
    private void scheduleShutdown(SimNode removed, long removalIndex) {
        cluster.scheduler.after(REMOVED_NODE_LINGER_TICKS * cluster.tickUs, () -> {
            int applied = 0;
            for (NodeId v : cluster.committedMembership.voters()) {
                SimNode n = cluster.node(v);
                if (n.isUp() && n.appliedIndex >= removalIndex) {
                    applied++;
                }
            }
            if (applied < cluster.committedMembership.quorum()) {
                scheduleShutdown(removed, removalIndex);
                return;
            }
            if (removed.isUp()) {
                cluster.workload.onCrash(removed);
                removed.crash();
            }
            removed.retired = true;
        });
    }

    /** A config change entry was committed (first time any node applied it). */
    void onCommitted(Entry e, ConfigChange c) {
        changesCommitted++;
        cluster.note("committed " + c + " at " + e.index());
        cluster.count("configChange" + c.type());
        if (c.type() == ConfigChange.Type.REMOVE_NODE) {
            SimNode removed = cluster.node(c.node());
            if (removed.isUp() && removed.raft.role() == io.cairn.core.raft.Role.LEADER) {
                leaderRemovals++;
                cluster.count("leaderRemoved");
            }
            scheduleShutdown(removed, e.index());
        }
    }
}
