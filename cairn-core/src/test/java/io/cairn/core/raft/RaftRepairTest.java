package io.cairn.core.raft;

import io.cairn.core.NodeId;
import io.cairn.core.raft.RaftMessage.VoteRequest;
import io.cairn.core.raft.RaftMessage.VoteResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Protocol-aware recovery: a voter that cut damaged entries from its log withholds its vote and
 * does not campaign until it holds, committed and durable, everything up to its old last index.
 */
class RaftRepairTest {
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final NodeId C = NodeId.of("c");

    /**
     * E commits on {a (leader), c} while b is cut off; c's copy of E is damaged and cut; a dies.
     * Returns the harness after b and c have had ample time to elect someone.
     */
    private static RaftHarness damagedCopyOfCommittedEntry(boolean withhold, long[] eIndexOut) {
        RaftHarness h = new RaftHarness("a", "b", "c");
        h.elect("a");
        h.propose("a", "x");
        h.stabilize();
        h.partition(List.of(Set.of(A, C), Set.of(B)));
        ProposeResult.Accepted e = (ProposeResult.Accepted) h.propose("a", "E");
        h.stabilize();
        assertThat(h.node("a").commitIndex()).isGreaterThanOrEqualTo(e.index());
        eIndexOut[0] = e.index();

        h.crash("c");
        long lastBeforeCut = h.m("c").storage.lastIndex();
        long lastTermBeforeCut = h.m("c").storage.term(lastBeforeCut);
        h.m("c").storage.cutAtDamage(e.index());
        h.restart("c");
        if (withhold) {
            h.node("c").withholdVotesUntil(lastBeforeCut, lastTermBeforeCut);
        }
        h.crash("a");
        h.heal();
        for (int i = 0; i < 100; i++) {
            h.tickAll(1);
            h.stabilize();
        }
        return h;
    }

    @Test
    void repairingVoterDoesNotHelpElectALeaderThatLacksAnEntryItAcknowledged() {
        long[] eIndex = new long[1];
        RaftHarness h = damagedCopyOfCommittedEntry(true, eIndex);
        assertThat(h.node("b").role()).isNotEqualTo(Role.LEADER);
        assertThat(h.node("c").role()).isNotEqualTo(Role.LEADER);
        assertThat(h.node("c").votesWithheldUntil()).isGreaterThanOrEqualTo(eIndex[0]);

        // The old leader comes back: it holds E, wins with b's vote, and refills c, which then
        // has E again and may vote once more.
        h.restart("a");
        for (int i = 0; i < 100 && h.node("c").votesWithheldUntil() != 0; i++) {
            h.tickAll(1);
            h.stabilize();
        }
        assertThat(h.node("c").votesWithheldUntil()).isZero();
        assertThat(h.m("c").storage.entries(eIndex[0], eIndex[0] + 1, Long.MAX_VALUE).get(0).data())
                .isEqualTo("E".getBytes(StandardCharsets.UTF_8));
        assertThat(h.m("c").applied).contains("E");
    }

    @Test
    void withoutTheRestrictionTheSameHistoryLosesTheCommittedEntry() {
        // The control: proves the scenario above is one where the rule is what saves E.
        long[] eIndex = new long[1];
        RaftHarness h = damagedCopyOfCommittedEntry(false, eIndex);
        // b (which never had E) or c (which lost it) leads, with c's help, and commits its own
        // entry at E's index: the acknowledged, committed E is gone.
        RaftHarness.Member leader = h.members.values().stream().filter(m -> !m.crashed && m.node.role() == Role.LEADER)
                .findFirst().orElseThrow();
        assertThat(leader.id).isIn(B, C);
        Entry atE = leader.storage.entries(eIndex[0], eIndex[0] + 1, Long.MAX_VALUE).get(0);
        assertThat(atE.data()).isNotEqualTo("E".getBytes(StandardCharsets.UTF_8));
        assertThat(leader.node.commitIndex()).isGreaterThanOrEqualTo(eIndex[0]);
    }

    @Test
    void aLiveLeaderRefillsAFollowerThatCutItsLogEvenWhenIdle() {
        // The leader's progress still says the follower holds everything; only the follower's
        // answer to a heartbeat (whose commit is beyond its log) tells the leader otherwise.
        RaftHarness h = new RaftHarness("a", "b", "c");
        h.elect("a");
        for (String v : new String[] {"x", "y", "z"}) {
            h.propose("a", v);
        }
        h.stabilize();
        h.tickAll(2);
        h.stabilize();
        long last = h.m("a").storage.lastIndex();
        assertThat(h.node("c").commitIndex()).isEqualTo(last);

        h.crash("c");
        long lastTerm = h.m("c").storage.term(last);
        h.m("c").storage.cutAtDamage(2);
        h.restart("c");
        h.node("c").withholdVotesUntil(last, lastTerm);
        for (int i = 0; i < 20 && h.node("c").votesWithheldUntil() != 0; i++) {
            h.tickAll(1);
            h.stabilize();
        }
        assertThat(h.node("a").role()).isEqualTo(Role.LEADER);
        assertThat(h.node("c").votesWithheldUntil()).isZero();
        assertThat(h.m("c").storage.allEntries()).isEqualTo(h.m("a").storage.allEntries());
        assertThat(h.m("c").applied).containsExactly("x", "y", "z");
    }

    @Test
    void repairingVoterRefusesVotesAndPreVotesAndNeverCampaigns() {
        RaftHarness h = new RaftHarness("a", "b", "c");
        RaftNode c = h.node("c");
        c.withholdVotesUntil(5, 3);
        assertThat(c.votesWithheldUntil()).isEqualTo(5);
        for (boolean preVote : new boolean[] {true, false}) {
            // Up to date against the log c holds now (empty), but not against its log before the cut.
            c.step(new VoteRequest(RaftHarness.GROUP, A, C, c.term() + 1, 4, 3, preVote, false));
            Ready rd = c.ready();
            List<RaftMessage> out = new ArrayList<>(rd.messages());
            out.addAll(rd.messagesAfterPersist());
            assertThat(out).filteredOn(m -> m instanceof VoteResponse).singleElement()
                    .matches(m -> !((VoteResponse) m).granted());
            assertThat(rd.hardState().map(HardState::votedFor).orElse(null)).isNull();
            c.advance(rd);
        }
        c.campaign();
        for (int i = 0; i < 100; i++) {
            c.tick();
        }
        assertThat(c.role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.hasReady()).isFalse();
    }

    @Test
    void repairingVoterGrantsItsVoteOnlyToACandidateAsUpToDateAsItsLogBeforeTheCut() {
        RaftHarness h = new RaftHarness("a", "b", "c");
        RaftNode c = h.node("c");
        c.withholdVotesUntil(5, 3);
        for (boolean preVote : new boolean[] {true, false}) {
            // (index 5, term 3) and (index 2, term 4) both dominate (5, 3); the vote is as safe as
            // an undamaged node's.
            long lastIndex = preVote ? 5 : 2;
            long lastTerm = preVote ? 3 : 4;
            c.step(new VoteRequest(RaftHarness.GROUP, A, C, c.term() + 1, lastIndex, lastTerm, preVote, false));
            Ready rd = c.ready();
            List<RaftMessage> out = new ArrayList<>(rd.messages());
            out.addAll(rd.messagesAfterPersist());
            assertThat(out).filteredOn(m -> m instanceof VoteResponse).singleElement()
                    .matches(m -> ((VoteResponse) m).granted());
            c.advance(rd);
        }
        assertThat(c.votesWithheldUntil()).isEqualTo(5);
        c.campaign();
        assertThat(c.role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void aLeaderThatStartsRepairingStepsDown() {
        RaftHarness h = new RaftHarness("a", "b", "c");
        h.elect("a");
        h.node("a").withholdVotesUntil(h.node("a").status().lastIndex() + 3, h.node("a").term());
        assertThat(h.node("a").role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void restrictionAlreadySatisfiedIsLiftedAtOnceAndLowerMarksAreIgnored() {
        RaftHarness h = new RaftHarness("a", "b", "c");
        h.elect("a");
        h.propose("a", "x");
        h.stabilize();
        h.tickAll(2);
        h.stabilize();
        RaftNode b = h.node("b");
        long commit = b.commitIndex();
        b.withholdVotesUntil(commit, b.term());
        assertThat(b.votesWithheldUntil()).isZero();
        b.withholdVotesUntil(commit + 10, b.term());
        b.withholdVotesUntil(commit + 2, b.term());
        assertThat(b.votesWithheldUntil()).isEqualTo(commit + 10);
    }
}
