package io.cairn.sim;

import io.cairn.core.NodeId;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each safety invariant of the simulator fires on a history that breaks it and stays quiet on
 * the same history without the break. Thousands of green seeded runs mean something only if the
 * checks they pass can fail; the planted-bug campaigns (README) show some of them firing in whole
 * runs, these show every one.
 */
class InvariantCheckerTest {
    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");
    private static final Set<NodeId> VOTERS = Set.of(N1, N2, N3);

    private final InvariantChecker checker = new InvariantChecker();

    private static Entry value(long index, long term, long valueId) {
        return new Entry(term, index, EntryType.NORMAL, StateDigest.encodeValue(valueId));
    }

    private static void assertViolates(String invariant, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(SimViolation.class)
                .satisfies(t -> assertThat(((SimViolation) t).invariant()).isEqualTo(invariant));
    }

    @Test
    void electionSafetyAllowsOneLeaderPerTerm() {
        checker.leader(N1, 3);
        assertThatCode(() -> checker.leader(N1, 3)).doesNotThrowAnyException();
        assertThatCode(() -> checker.leader(N2, 4)).doesNotThrowAnyException();
        assertViolates("election-safety", () -> checker.leader(N2, 3));
    }

    @Test
    void logMatchingRejectsTwoEntriesOrTwoPredecessorsUnderOneIndexAndTerm() {
        checker.appended(N1, value(1, 1, 10), 0);
        checker.appended(N1, value(2, 1, 11), 1);
        assertThatCode(() -> checker.appended(N2, value(2, 1, 11), 1)).doesNotThrowAnyException();
        // Same (index, term), different entry.
        assertViolates("log-matching", () -> checker.appended(N3, value(2, 1, 99), 1));
        // Same entry, but a different term before it: the logs differ earlier.
        checker.appended(N1, value(3, 2, 12), 1);
        assertViolates("log-matching", () -> checker.appended(N2, value(3, 2, 12), 2));
    }

    @Test
    void stateMachineSafetyRejectsADifferentEntryAtACommittedIndexAGapOrAWrongSnapshot() {
        checker.applied(N1, value(1, 1, 10), 1);
        checker.applied(N1, value(2, 1, 11), 1);
        assertThatCode(() -> checker.applied(N2, value(1, 1, 10), 2)).doesNotThrowAnyException();
        assertViolates("state-machine-safety", () -> checker.applied(N2, value(2, 2, 77), 2));
        assertViolates("state-machine-safety", () -> checker.applied(N2, value(4, 1, 13), 2));
        long digest2 = checker.digestThrough(2);
        assertThatCode(() -> checker.snapshotApplied(N3, 2, digest2)).doesNotThrowAnyException();
        assertViolates("state-machine-safety", () -> checker.snapshotApplied(N3, 2, digest2 + 1));
        assertViolates("state-machine-safety", () -> checker.snapshotApplied(N3, 3, digest2));
    }

    @Test
    void leaderCompletenessRequiresEveryEarlierCommittedEntryInTheNewLeadersLog() {
        checker.applied(N1, value(1, 1, 10), 1);
        checker.applied(N1, value(2, 2, 11), 2);
        // A leader of term 3 holding both, or with them compacted into a snapshot, is fine.
        assertThatCode(() -> checker.becameLeader(N2, 3, i -> i <= 2 ? i : -1)).doesNotThrowAnyException();
        assertThatCode(() -> checker.becameLeader(N2, 3, i -> InvariantChecker.LogView.COMPACTED)).doesNotThrowAnyException();
        // One that holds a different term at index 2 (the entry was overwritten) is not.
        assertViolates("leader-completeness", () -> checker.becameLeader(N3, 3, i -> i == 2 ? 1 : i));
        // One that lacks index 2 altogether is not either.
        assertViolates("leader-completeness", () -> checker.becameLeader(N3, 3, i -> i == 1 ? 1 : -1));
    }

    @Test
    void leaderCompletenessRequiresMajorityAcknowledgedEntriesButNotLeaderOnes() {
        // Acknowledged in term 2 but not (yet) seen committed by any node's apply.
        checker.acknowledged(new InvariantChecker.Ack(20, WriteConcern.MAJORITY, 1, 2, N1, 2), VOTERS, VOTERS,
                List.of(VOTERS), Set.of());
        checker.acknowledged(new InvariantChecker.Ack(21, WriteConcern.LEADER, 2, 2, N1, 2), Set.of(N1), VOTERS,
                List.of(VOTERS), Set.of());
        // A term-3 leader without index 2 is allowed (acks=leader may be lost); without index 1 it is not.
        assertThatCode(() -> checker.becameLeader(N2, 3, i -> i == 1 ? 2 : -1)).doesNotThrowAnyException();
        assertViolates("leader-completeness", () -> checker.becameLeader(N3, 3, i -> -1));
    }

    @Test
    void commitMonotonicRejectsACommitIndexThatGoesBackOrPointsPastTheDurableLog() {
        assertThatCode(() -> checker.commitMoved(N1, 4, 4)).doesNotThrowAnyException();
        assertThatCode(() -> checker.commitMoved(N1, 4, 7)).doesNotThrowAnyException();
        assertViolates("commit-monotonic", () -> checker.commitMoved(N1, 7, 6));
        assertThatCode(() -> checker.restartedWith(N1, 5, 5)).doesNotThrowAnyException();
        assertViolates("commit-monotonic", () -> checker.restartedWith(N1, 6, 5));
    }

    @Test
    void writeConcernIsCheckedAgainstTheDisksDurableViews() {
        var leaderAck = new InvariantChecker.Ack(30, WriteConcern.LEADER, 1, 1, N1, 1);
        assertThatCode(() -> checker.acknowledged(leaderAck, Set.of(N1), VOTERS, List.of(VOTERS), Set.of()))
                .doesNotThrowAnyException();
        // Two followers holding it do not make an acks=leader write durable on the leader.
        assertViolates("write-concern", () -> checker.acknowledged(leaderAck, Set.of(N2, N3), VOTERS, List.of(VOTERS), Set.of()));

        var majorityAck = new InvariantChecker.Ack(31, WriteConcern.MAJORITY, 2, 1, N1, 1);
        assertThatCode(() -> checker.acknowledged(majorityAck, Set.of(N1, N3), VOTERS, List.of(VOTERS), Set.of()))
                .doesNotThrowAnyException();
        assertViolates("write-concern", () -> checker.acknowledged(majorityAck, Set.of(N1), VOTERS, List.of(VOTERS), Set.of()));

        var allAck = new InvariantChecker.Ack(32, WriteConcern.ALL, 3, 1, N1, 1);
        assertThatCode(() -> checker.acknowledged(allAck, VOTERS, VOTERS, List.of(VOTERS), Set.of()))
                .doesNotThrowAnyException();
        assertViolates("write-concern", () -> checker.acknowledged(allAck, Set.of(N1, N2), VOTERS, List.of(VOTERS), Set.of()));
    }

    @Test
    void durabilityAtTheEndRequiresEveryMajorityAckCommittedWhereItWasAcknowledged() {
        checker.acknowledged(new InvariantChecker.Ack(40, WriteConcern.MAJORITY, 1, 1, N1, 1), VOTERS, VOTERS,
                List.of(VOTERS), Set.of());
        checker.acknowledged(new InvariantChecker.Ack(41, WriteConcern.LEADER, 2, 1, N1, 1), Set.of(N1), VOTERS,
                List.of(VOTERS), Set.of());
        checker.applied(N1, value(1, 1, 40), 1);
        // The acks=leader write at index 2 was lost: allowed, and counted.
        checker.applied(N1, value(2, 2, 99), 2);
        assertThat(checker.finalValidation()).isEqualTo(1);

        InvariantChecker lost = new InvariantChecker();
        lost.acknowledged(new InvariantChecker.Ack(50, WriteConcern.MAJORITY, 1, 1, N1, 1), VOTERS, VOTERS,
                List.of(VOTERS), Set.of());
        lost.applied(N1, value(1, 2, 51), 2);
        assertViolates("durability", lost::finalValidation);

        // The same value committed at two indexes is a duplicate write.
        InvariantChecker twice = new InvariantChecker();
        twice.applied(N1, value(1, 1, 60), 1);
        assertViolates("durability", () -> twice.applied(N1, value(2, 1, 60), 1));
    }
}
