package io.cairn.core.raft;

import io.cairn.core.NodeId;
import io.cairn.core.raft.RaftMessage.VoteRequest;
import io.cairn.core.raft.RaftMessage.VoteResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RaftElectionTest {
    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");

    private static RaftNode node(NodeId self, boolean preVote) {
        MemoryStorage storage = new MemoryStorage(Membership.ofVoters(N1, N2, N3));
        return new RaftNode(RaftConfig.defaults(RaftHarness.GROUP, self).withPreVote(preVote), storage, RandomSource.seeded(7));
    }

    /**
     * A follower's election timeout is drawn from [E, 2E) by the seeded {@link RandomSource}: spread
     * out so followers rarely time out together (split votes), and fixed by the seed so a
     * simulator run replays exactly.
     */
    @Test
    void electionTimeoutsAreRandomizedFromTheSeededSource() {
        int e = RaftConfig.defaults(RaftHarness.GROUP, N1).electionTimeoutTicks();
        java.util.Set<Integer> distinct = new java.util.TreeSet<>();
        for (long seed = 1; seed <= 20; seed++) {
            int ticks = ticksUntilElection(seed);
            assertThat(ticks).as("seed %s", seed).isBetween(e, 2 * e - 1);
            assertThat(ticksUntilElection(seed)).as("seed %s again", seed).isEqualTo(ticks);
            distinct.add(ticks);
        }
        assertThat(distinct).as("timeouts drawn for 20 seeds").hasSizeGreaterThanOrEqualTo(4);
    }

    private static int ticksUntilElection(long seed) {
        RaftNode n = new RaftNode(RaftConfig.defaults(RaftHarness.GROUP, N1),
                new MemoryStorage(Membership.ofVoters(N1, N2, N3)), RandomSource.seeded(seed));
        for (int tick = 1; tick <= 100; tick++) {
            n.tick();
            if (n.role() != Role.FOLLOWER) {
                return tick;
            }
        }
        throw new AssertionError("no election within 100 ticks (seed " + seed + ")");
    }

    @Test
    void candidateAsksForVotesOnlyAfterItsOwnVoteIsDurable() {
        RaftNode n = node(N1, false);
        n.campaign();
        Ready rd = n.ready();
        assertThat(rd.hardState()).contains(new HardState(1, N1, 0));
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.messagesAfterPersist()).hasSize(2).allMatch(m -> m instanceof VoteRequest v && !v.preVote());
    }

    @Test
    void voteGrantLeavesOnlyAfterPersistAndOnlyOncePerTerm() {
        RaftNode n = node(N2, false);
        n.step(new VoteRequest(RaftHarness.GROUP, N1, N2, 1, 0, 0, false, false));
        Ready rd = n.ready();
        assertThat(rd.hardState()).contains(new HardState(1, N1, 0));
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.messagesAfterPersist()).containsExactly(new VoteResponse(RaftHarness.GROUP, N2, N1, 1, false, true, 0, 0));
        n.advance(rd);

        n.step(new VoteRequest(RaftHarness.GROUP, N3, N2, 1, 0, 0, false, false));
        Ready second = n.ready();
        assertThat(second.messages()).containsExactly(new VoteResponse(RaftHarness.GROUP, N2, N3, 1, false, false, 0, 0));
    }

    @Test
    void staleVoteRequestIsRejectedWithOurTermAndTheCandidateAdoptsIt() {
        RaftNode voter = node(N2, false);
        voter.step(new VoteRequest(RaftHarness.GROUP, N3, N2, 5, 0, 0, false, false));
        voter.advance(voter.ready());
        // A candidate campaigning below our term must learn our term, or it may never catch up
        // with us (Raft Figure 2: the reply carries currentTerm).
        voter.step(new VoteRequest(RaftHarness.GROUP, N1, N2, 3, 0, 0, false, false));
        Ready rd = voter.ready();
        assertThat(voter.term()).isEqualTo(5);
        assertThat(rd.messages()).containsExactly(new VoteResponse(RaftHarness.GROUP, N2, N1, 5, false, false, 0, 0));

        RaftNode candidate = node(N1, false);
        candidate.campaign();
        candidate.campaign();
        candidate.campaign();
        assertThat(candidate.term()).isEqualTo(3);
        candidate.step(rd.messages().get(0));
        assertThat(candidate.role()).isEqualTo(Role.FOLLOWER);
        assertThat(candidate.term()).isEqualTo(5);
    }

    @Test
    void aLearnerAnswersVoteRequestsOnceItsLeaderHasBeenQuietForAnElectionTimeout() {
        // A candidate may count a learner whose promotion is in the candidate's log, so the
        // learner's leader lease must expire like a voter's.
        Membership m = new Membership(Set.of(N1, N2), Set.of(N3));
        RaftConfig config = RaftConfig.defaults(RaftHarness.GROUP, N3).withPreVote(false);
        RaftNode learner = new RaftNode(config, new MemoryStorage(m), RandomSource.seeded(7));
        learner.step(new RaftMessage.Heartbeat(RaftHarness.GROUP, N1, N3, 1, 0, 0));
        learner.advance(learner.ready());
        for (int i = 0; i < 3 * config.electionTimeoutTicks(); i++) {
            learner.tick();
            assertThat(learner.role()).isEqualTo(Role.FOLLOWER);
        }
        learner.step(new VoteRequest(RaftHarness.GROUP, N2, N3, 2, 0, 0, false, false));
        Ready rd = learner.ready();
        assertThat(rd.messagesAfterPersist()).containsExactly(new VoteResponse(RaftHarness.GROUP, N3, N2, 2, false, true, 0, 0));
    }

    @Test
    void electionRestrictionRefusesCandidateWithShorterLog() {
        RaftHarness h = new RaftHarness("n1", "n2", "n3");
        h.elect("n1");
        h.propose("n1", "a");
        h.stabilize();
        RaftNode n2 = h.node("n2");
        long term = n2.term();
        // A candidate whose log ends before ours (same last term, lower index) is refused.
        n2.step(new VoteRequest(RaftHarness.GROUP, N3, N2, term + 1, 1, term, false, true));
        Ready rd = n2.ready();
        List<RaftMessage> all = new java.util.ArrayList<>(rd.messages());
        all.addAll(rd.messagesAfterPersist());
        assertThat(all).filteredOn(m -> m instanceof VoteResponse).singleElement()
                .matches(m -> !((VoteResponse) m).granted());
        assertThat(rd.hardState().orElseThrow().votedFor()).isNull();
    }

    @Test
    void preVoteDoesNotRaiseAnyonesTerm() {
        RaftNode n = node(N1, true);
        n.campaign();
        assertThat(n.role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(n.term()).isZero();
        Ready rd = n.ready();
        assertThat(rd.hardState()).isEmpty();
        assertThat(rd.messages()).allMatch(m -> m instanceof VoteRequest v && v.preVote() && v.term() == 1);

        RaftNode voter = node(N2, true);
        voter.step((VoteRequest) rd.messages().get(0));
        assertThat(voter.term()).isZero();
        Ready vr = voter.ready();
        assertThat(vr.messages()).containsExactly(new VoteResponse(RaftHarness.GROUP, N2, N1, 1, true, true, 0, 0));
    }

    @Test
    void followerInLeaseIgnoresDisruptiveCandidate() {
        RaftHarness h = new RaftHarness("n1", "n2", "n3");
        h.elect("n1");
        RaftNode n2 = h.node("n2");
        long term = n2.term();
        n2.step(new VoteRequest(RaftHarness.GROUP, N3, N2, term + 5, 100, term + 4, false, false));
        assertThat(n2.term()).isEqualTo(term);
        assertThat(n2.leader()).contains(N1);
        assertThat(n2.hasReady()).isFalse();
    }

    @Test
    void leaderWithoutQuorumStepsDownWithinElectionTimeout() {
        RaftHarness h = new RaftHarness("n1", "n2", "n3");
        h.elect("n1");
        h.partition(List.of(Set.of(N1), Set.of(N2, N3)));
        for (int i = 0; i < 2 * 10 && h.node("n1").role() == Role.LEADER; i++) {
            h.tickAll(1);
            h.stabilize();
        }
        assertThat(h.node("n1").role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void splitClusterElectsExactlyOneLeaderPerTerm() {
        RaftHarness h = new RaftHarness(List.of("n1", "n2", "n3", "n4", "n5"), 42, c -> c);
        for (int i = 0; i < 200; i++) {
            h.tickAll(1);
            h.stabilize();
            java.util.Map<Long, Long> leadersPerTerm = new java.util.HashMap<>();
            for (RaftHarness.Member m : h.members.values()) {
                if (m.node.role() == Role.LEADER) leadersPerTerm.merge(m.node.term(), 1L, Long::sum);
            }
            assertThat(leadersPerTerm.values()).allMatch(c -> c == 1);
        }
        assertThat(h.members.values()).anyMatch(m -> m.node.role() == Role.LEADER);
    }

    @Test
    void candidateLearnsCommitFromARejection() {
        MemoryStorage storage = new MemoryStorage(Membership.ofVoters(N1, N2, N3));
        storage.append(List.of(new Entry(1, 1, EntryType.NOOP, null), new Entry(1, 2, EntryType.NORMAL, new byte[] {1})));
        RaftNode n = new RaftNode(RaftConfig.defaults(RaftHarness.GROUP, N1), storage, RandomSource.seeded(5));
        n.campaign();
        // n2 knows index 2 (term 1) is committed; we hold the same entry, so our prefix is committed.
        n.step(new VoteResponse(RaftHarness.GROUP, N2, N1, 0, true, false, 2, 1));
        assertThat(n.commitIndex()).isEqualTo(2);
        // A claim about an entry we do not hold (different term) teaches nothing.
        RaftNode m = new RaftNode(RaftConfig.defaults(RaftHarness.GROUP, N1), storage, RandomSource.seeded(5));
        m.campaign();
        m.step(new VoteResponse(RaftHarness.GROUP, N2, N1, 0, true, false, 2, 9));
        assertThat(m.commitIndex()).isZero();
    }

    @Test
    void learnerNeverCampaigns() {
        MemoryStorage storage = new MemoryStorage(new Membership(Set.of(N1, N2), Set.of(N3)));
        RaftNode learner = new RaftNode(RaftConfig.defaults(RaftHarness.GROUP, N3), storage, RandomSource.seeded(1));
        for (int i = 0; i < 100; i++) {
            learner.tick();
        }
        assertThat(learner.role()).isEqualTo(Role.FOLLOWER);
        assertThat(learner.hasReady()).isFalse();
    }
}
