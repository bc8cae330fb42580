package io.cairn.core.raft;

import io.cairn.core.NodeId;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * The members of a group. Voters elect leaders and count toward commit quorums; learners receive
 * the log but neither vote nor count. A node is never both.
 */
public record Membership(Set<NodeId> voters, Set<NodeId> learners) {
    public Membership {
        voters = Collections.unmodifiableSortedSet(new TreeSet<>(voters));
        learners = Collections.unmodifiableSortedSet(new TreeSet<>(learners));
        for (NodeId l : learners) {
            if (voters.contains(l)) {
                throw new IllegalArgumentException("node " + l + " is both voter and learner");
            }
        }
    }

    public static Membership ofVoters(NodeId... voters) {
        return new Membership(Set.of(voters), Set.of());
    }

    public boolean isVoter(NodeId node) {
        return voters.contains(node);
    }

    public boolean isLearner(NodeId node) {
        return learners.contains(node);
    }

    public boolean contains(NodeId node) {
        return isVoter(node) || isLearner(node);
    }

    /** Every member, voters and learners, in id order. */
    public Set<NodeId> all() {
        TreeSet<NodeId> all = new TreeSet<>(voters);
        all.addAll(learners);
        return Collections.unmodifiableSortedSet(all);
    }

    /** Votes or acknowledgements needed for a decision: a strict majority of the voters. */
    public int quorum() {
        return voters.size() / 2 + 1;
    }

    /** Returns the membership after {@code change}; throws if the change does not apply. */
    public Membership apply(ConfigChange change) {
        TreeSet<NodeId> v = new TreeSet<>(voters);
        TreeSet<NodeId> l = new TreeSet<>(learners);
        NodeId n = change.node();
        switch (change.type()) {
            case ADD_LEARNER -> {
                if (contains(n)) throw new IllegalArgumentException(n + " is already a member");
                l.add(n);
            }
            case PROMOTE_VOTER -> {
                if (!isLearner(n)) throw new IllegalArgumentException(n + " is not a learner");
                l.remove(n);
                v.add(n);
            }
            case REMOVE_NODE -> {
                if (!contains(n)) throw new IllegalArgumentException(n + " is not a member");
                if (isVoter(n) && voters.size() == 1) throw new IllegalArgumentException("cannot remove the last voter " + n);
                v.remove(n);
                l.remove(n);
            }
        }
        return new Membership(v, l);
    }

    @Override
    public String toString() {
        return "voters=" + voters + (learners.isEmpty() ? "" : " learners=" + learners);
    }
}
