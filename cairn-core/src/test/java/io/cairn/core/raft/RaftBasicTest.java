package io.cairn.core.raft;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RaftBasicTest {
    @Test
    void threeNodesElectReplicateAndApply() {
        RaftHarness h = new RaftHarness("n1", "n2", "n3");
        h.elect("n1");
        h.stabilize();
        assertThat(h.node("n1").isReadyForWrites()).isTrue();
        ProposeResult r = h.propose("n1", "x");
        assertThat(r).isInstanceOf(ProposeResult.Accepted.class);
        h.stabilize();
        for (String n : new String[] {"n1", "n2", "n3"}) {
            assertThat(h.m(n).applied).as(n).containsExactly("x");
        }
        ProposeResult.Accepted a = (ProposeResult.Accepted) r;
        assertThat(h.node("n1").durability(a.index(), a.term())).isEqualTo(Durability.ALL);
    }

    @Test
    void singleNodeElectsItselfOnTimeout() {
        RaftHarness h = new RaftHarness("n1");
        h.tick("n1", 20);
        assertThat(h.node("n1").role()).isEqualTo(Role.LEADER);
        assertThat(h.node("n1").isReadyForWrites()).isTrue();
        h.propose("n1", "a");
        assertThat(h.m("n1").applied).containsExactly("a");
    }
}
