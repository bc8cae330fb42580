package io.cairn.core.raft;

import io.cairn.core.NodeId;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pending ReadIndex requests on a leader (Raft §6.4). Each request records the commit index when
 * it arrived and a heartbeat round number; it is confirmed once a quorum of voters has answered a
 * heartbeat of that round or a later one, which proves no newer leader existed when it arrived.
 * Bounded by {@link RaftConfig#readIndexQueueMax()}.
 */
final class ReadIndexQueue {
    private record Pending(long context, long index, long round) {}

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Map<NodeId, Long> ackedRound = new HashMap<>();
    private long round;

    int size() {
        return pending.size();
    }

    long round() {
        return round;
    }

    /** Queues a read at {@code commitIndex}; returns the heartbeat round that must confirm it. */
    long add(long context, long commitIndex) {
        round++;
        pending.addLast(new Pending(context, commitIndex, round));
        return round;
    }

    void ack(NodeId from, long ackRound) {
        ackedRound.merge(from, ackRound, Math::max);
    }

    /** Pops and returns every read a quorum of {@code voters} has confirmed; {@code self} counts as acked. */
    List<ReadState> confirmed(Membership membership, NodeId self) {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<Long> rounds = new ArrayList<>();
        for (NodeId v : membership.voters()) {
            rounds.add(v.equals(self) ? round : ackedRound.getOrDefault(v, 0L));
        }
        rounds.sort((a, b) -> Long.compare(b, a));
        long quorumRound = rounds.get(membership.quorum() - 1);
        List<ReadState> out = new ArrayList<>();
        while (!pending.isEmpty() && pending.peekFirst().round <= quorumRound) {
            Pending p = pending.pollFirst();
            out.add(new ReadState(p.context, p.index));
        }
        return out;
    }

    /** Drops every pending read (leadership lost); the caller retries them against the new leader. */
    List<Long> clear() {
        List<Long> dropped = new ArrayList<>();
        for (Pending p : pending) {
            dropped.add(p.context);
        }
        pending.clear();
        ackedRound.clear();
        return dropped;
    }
}
