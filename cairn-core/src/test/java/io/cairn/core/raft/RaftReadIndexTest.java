package io.cairn.core.raft;

import io.cairn.core.NodeId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RaftReadIndexTest {
    @Test
    void readIsReleasedOnlyAfterQuorumConfirmsLeadership() {
        RaftHarness h = new RaftHarness("n1", "n2", "n3");
        h.elect("n1");
        h.stabilize();
        h.propose("n1", "a");
        h.stabilize();
        assertThat(h.node("n1").readIndex(5)).isEqualTo(new ReadIndexResult.Pending(5));
        h.process(h.m("n1"));
        assertThat(h.m("n1").reads).isEmpty();
        h.stabilize();
        assertThat(h.m("n1").reads).containsExactly(new ReadState(5, 2));
    }

    @Test
    void isolatedLeaderNeverReleasesARead() {
        RaftHarness h = new RaftHarness("n1", "n2", "n3");
        h.elect("n1");
        h.stabilize();
        h.partition(List.of(Set.of(NodeId.of("n1")), Set.of(NodeId.of("n2"), NodeId.of("n3"))));
        h.node("n1").readIndex(6);
        for (int i = 0; i < 30; i++) {
            h.tickAll(1);
            h.stabilize();
        }
        assertThat(h.m("n1").reads).isEmpty();
    }

    @Test
    void singleVoterReadsImmediately() {
        RaftHarness h = new RaftHarness("n1");
        h.tick("n1", 30);
        h.node("n1").readIndex(1);
        h.process(h.m("n1"));
        assertThat(h.m("n1").reads).containsExactly(new ReadState(1, h.node("n1").commitIndex()));
    }
}
