package io.cairn.core.raft;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;

import java.util.Objects;

/**
 * Static settings of one node in one group. Times are in ticks: the driver decides how long a
 * tick is (the server uses ~100 ms), which keeps the core free of clocks.
 *
 * @param groupId                   which group this node belongs to; copied into every message
 * @param self                      this node's id
 * @param electionTimeoutTicks      base election timeout E; a follower that hears from no leader
 *                                  for a random time in {@code [E, 2E)} starts an election
 * @param heartbeatIntervalTicks    a leader heartbeats every this many ticks; must be < E
 * @param preVote                   run a pre-vote round before a real election so a node that was
 *                                  partitioned cannot raise the term and depose a healthy leader
 * @param checkQuorum               a leader that has not heard from a quorum within E ticks steps
 *                                  down; followers that heard from a leader within E ticks reject
 *                                  (pre-)votes, which pre-vote relies on
 * @param inflightMessagesMax       bound on append messages sent to one follower and not yet
 *                                  acknowledged (the pipelining window)
 * @param inflightBytesMax          bound on entry bytes in flight to one follower
 * @param appendBytesMax            bound on entry bytes in one append message (at least one
 *                                  entry is always sent, however large)
 * @param uncommittedBytesMax       bound on the leader's proposed-but-uncommitted entry bytes;
 *                                  proposals beyond it are rejected so memory stays bounded
 * @param readIndexQueueMax         bound on pending {@link RaftNode#readIndex(long)} requests
 */
public record RaftConfig(
        GroupId groupId,
        NodeId self,
        int electionTimeoutTicks,
        int heartbeatIntervalTicks,
        boolean preVote,
        boolean checkQuorum,
        int inflightMessagesMax,
        long inflightBytesMax,
        long appendBytesMax,
        long uncommittedBytesMax,
        int readIndexQueueMax) {

    public RaftConfig {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(self, "self");
        require(electionTimeoutTicks >= 2, "electionTimeoutTicks must be >= 2, got %s", electionTimeoutTicks);
        require(heartbeatIntervalTicks >= 1 && heartbeatIntervalTicks < electionTimeoutTicks,
                "heartbeatIntervalTicks must be in [1, electionTimeoutTicks), got %s", heartbeatIntervalTicks);
        require(inflightMessagesMax >= 1, "inflightMessagesMax must be >= 1, got %s", inflightMessagesMax);
        require(inflightBytesMax >= 1, "inflightBytesMax must be >= 1, got %s", inflightBytesMax);
        require(appendBytesMax >= 1, "appendBytesMax must be >= 1, got %s", appendBytesMax);
        require(uncommittedBytesMax >= 1, "uncommittedBytesMax must be >= 1, got %s", uncommittedBytesMax);
        require(readIndexQueueMax >= 1, "readIndexQueueMax must be >= 1, got %s", readIndexQueueMax);
    }

    /**
     * Defaults: E = 10 ticks, heartbeat every tick, pre-vote and check-quorum on, 256 messages /
     * 8 MiB in flight per follower, 1 MiB per append, 64 MiB uncommitted, 4096 pending reads.
     */
    public static RaftConfig defaults(GroupId groupId, NodeId self) {
        return new RaftConfig(groupId, self, 10, 1, true, true, 256, 8L << 20, 1L << 20, 64L << 20, 4096);
    }

    public RaftConfig withElectionTimeoutTicks(int electionTimeoutTicks, int heartbeatIntervalTicks) {
        return new RaftConfig(groupId, self, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum,
                inflightMessagesMax, inflightBytesMax, appendBytesMax, uncommittedBytesMax, readIndexQueueMax);
    }

    public RaftConfig withPreVote(boolean preVote) {
        return new RaftConfig(groupId, self, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum,
                inflightMessagesMax, inflightBytesMax, appendBytesMax, uncommittedBytesMax, readIndexQueueMax);
    }

    public RaftConfig withCheckQuorum(boolean checkQuorum) {
        return new RaftConfig(groupId, self, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum,
                inflightMessagesMax, inflightBytesMax, appendBytesMax, uncommittedBytesMax, readIndexQueueMax);
    }

    public RaftConfig withInflight(int inflightMessagesMax, long inflightBytesMax, long appendBytesMax) {
        return new RaftConfig(groupId, self, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum,
                inflightMessagesMax, inflightBytesMax, appendBytesMax, uncommittedBytesMax, readIndexQueueMax);
    }

    public RaftConfig withUncommittedBytesMax(long uncommittedBytesMax) {
        return new RaftConfig(groupId, self, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum,
                inflightMessagesMax, inflightBytesMax, appendBytesMax, uncommittedBytesMax, readIndexQueueMax);
    }

    private static void require(boolean ok, String message, Object arg) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(message, arg));
        }
    }
}
