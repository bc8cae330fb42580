package io.cairn.core.raft;

import io.cairn.core.NodeId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RaftDurabilityTest {
    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");

    @Test
    void levelsFollowReplication() {
        RaftHarness h = new RaftHarness("n1", "n2", "n3");
        h.elect("n1");
        h.stabilize();
        RaftNode leader = h.node("n1");
        h.partition(List.of(Set.of(N1, N2), Set.of(N3)));
        ProposeResult.Accepted a = (ProposeResult.Accepted) leader.propose(EntryType.NORMAL, new byte[] {1});
        assertThat(leader.durability(a.index(), a.term())).isEqualTo(Durability.PENDING);
        h.process(h.m("n1"));
        assertThat(leader.durability(a.index(), a.term())).isEqualTo(Durability.LEADER);
        assertThat(leader.durableOn(a.index(), a.term(), Acks.LEADER)).isTrue();
        assertThat(leader.durableOn(a.index(), a.term(), Acks.MAJORITY)).isFalse();
        h.stabilize();
        assertThat(leader.durability(a.index(), a.term())).isEqualTo(Durability.MAJORITY);
        assertThat(leader.durableOn(a.index(), a.term(), Acks.ALL)).isFalse();
        h.heal();
        h.tickAll(1);
        h.stabilize();
        assertThat(leader.durability(a.index(), a.term())).isEqualTo(Durability.ALL);
        assertThat(leader.durability(a.index(), a.term() + 1)).isEqualTo(Durability.LOST);
        assertThat(h.node("n2").durability(a.index(), a.term())).isEqualTo(Durability.UNKNOWN);
    }

    @Test
    void entryOverwrittenByNewLeaderIsReportedLost() {
        RaftHarness h = new RaftHarness("n1", "n2", "n3");
        h.elect("n1");
        h.stabilize();
        h.partition(List.of(Set.of(N1), Set.of(N2, N3)));
        ProposeResult.Accepted a = (ProposeResult.Accepted) h.propose("n1", "orphan");
        for (int i = 0; i < 60 && h.node("n1").role() == Role.LEADER; i++) {
            h.tickAll(1);
            h.stabilize();
        }
        assertThat(h.node("n1").durability(a.index(), a.term())).isEqualTo(Durability.UNKNOWN);
        h.heal();
        for (int i = 0; i < 60; i++) {
            h.tickAll(1);
            h.stabilize();
        }
        RaftNode newLeader = h.members.values().stream().map(m -> m.node).filter(n -> n.role() == Role.LEADER).findFirst().orElseThrow();
        newLeader.propose(EntryType.NORMAL, new byte[] {9});
        h.stabilize();
        h.tickAll(1);
        h.stabilize();
        assertThat(h.node("n1").commitIndex()).isGreaterThanOrEqualTo(a.index());
        assertThat(h.node("n1").durability(a.index(), a.term())).isEqualTo(Durability.LOST);
        assertThat(h.m("n1").applied).doesNotContain("orphan");
    }
}
