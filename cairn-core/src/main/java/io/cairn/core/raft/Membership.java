package io.cairn.core.raft;

import io.cairn.core.NodeId;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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

    /**
     * Encodes as counts and UTF-8 ids: {@code [voters:u16][learners:u16] then per id [len:u8][bytes]}.
     * Every no-op entry carries this, so a node that starts with no membership (a fresh node added
     * to the group) learns the exact membership by applying the log from any no-op on.
     */
    public byte[] encode() {
        List<byte[]> ids = new ArrayList<>();
        int size = 4;
        for (NodeId n : voters) {
            byte[] b = n.value().getBytes(StandardCharsets.UTF_8);
            ids.add(b);
            size += 1 + b.length;
        }
        for (NodeId n : learners) {
            byte[] b = n.value().getBytes(StandardCharsets.UTF_8);
            ids.add(b);
            size += 1 + b.length;
        }
        byte[] out = new byte[size];
        out[0] = (byte) (voters.size() >>> 8);
        out[1] = (byte) voters.size();
        out[2] = (byte) (learners.size() >>> 8);
        out[3] = (byte) learners.size();
        int pos = 4;
        for (byte[] b : ids) {
            out[pos++] = (byte) b.length;
            System.arraycopy(b, 0, out, pos, b.length);
            pos += b.length;
        }
        return out;
    }

    /** Inverse of {@link #encode()}; throws {@link IllegalArgumentException} on malformed input. */
    public static Membership decode(byte[] data) {
        if (data == null || data.length < 4) {
            throw new IllegalArgumentException("malformed membership: too short");
        }
        int nv = ((data[0] & 0xff) << 8) | (data[1] & 0xff);
        int nl = ((data[2] & 0xff) << 8) | (data[3] & 0xff);
        List<NodeId> ids = new ArrayList<>();
        int pos = 4;
        for (int i = 0; i < nv + nl; i++) {
            if (pos >= data.length) {
                throw new IllegalArgumentException("malformed membership: truncated");
            }
            int len = data[pos++] & 0xff;
            if (pos + len > data.length) {
                throw new IllegalArgumentException("malformed membership: truncated id");
            }
            ids.add(NodeId.of(new String(data, pos, len, StandardCharsets.UTF_8)));
            pos += len;
        }
        if (pos != data.length) {
            throw new IllegalArgumentException("malformed membership: trailing bytes");
        }
        return new Membership(new TreeSet<>(ids.subList(0, nv)), new TreeSet<>(ids.subList(nv, nv + nl)));
    }

    @Override
    public String toString() {
        return "voters=" + voters + (learners.isEmpty() ? "" : " learners=" + learners);
    }
}
