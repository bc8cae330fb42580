package io.cairn.core.raft;

import io.cairn.core.NodeId;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MembershipTest {
    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N4 = NodeId.of("n4");

    @Test
    void learnerThenVoterThenRemoved() {
        Membership m = Membership.ofVoters(N1, N2);
        Membership added = m.apply(new ConfigChange(ConfigChange.Type.ADD_LEARNER, N4));
        assertThat(added.isLearner(N4)).isTrue();
        assertThat(added.quorum()).isEqualTo(2);
        Membership promoted = added.apply(new ConfigChange(ConfigChange.Type.PROMOTE_VOTER, N4));
        assertThat(promoted.voters()).containsExactly(N1, N2, N4);
        assertThat(promoted.quorum()).isEqualTo(2);
        Membership removed = promoted.apply(new ConfigChange(ConfigChange.Type.REMOVE_NODE, N1));
        assertThat(removed.voters()).containsExactly(N2, N4);
    }

    @Test
    void invalidChangesAreRefused() {
        Membership m = Membership.ofVoters(N1);
        assertThatThrownBy(() -> m.apply(new ConfigChange(ConfigChange.Type.PROMOTE_VOTER, N2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> m.apply(new ConfigChange(ConfigChange.Type.ADD_LEARNER, N1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> m.apply(new ConfigChange(ConfigChange.Type.REMOVE_NODE, N1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Membership(Set.of(N1), Set.of(N1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encodingRoundTripsAndRejectsGarbage() {
        Membership m = new Membership(Set.of(N1, N2), Set.of(N4));
        assertThat(Membership.decode(m.encode())).isEqualTo(m);
        assertThat(Membership.decode(new Membership(Set.of(), Set.of()).encode())).isEqualTo(new Membership(Set.of(), Set.of()));
        assertThatThrownBy(() -> Membership.decode(new byte[] {0, 1, 0, 0, 5, 'a'})).isInstanceOf(IllegalArgumentException.class);
        ConfigChange c = new ConfigChange(ConfigChange.Type.REMOVE_NODE, N2);
        assertThat(ConfigChange.decode(c.encode())).isEqualTo(c);
        assertThatThrownBy(() -> ConfigChange.decode(new byte[] {9, 'x'})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyOneChangeAtATime() {
        RaftHarness h = new RaftHarness("n1", "n2", "n3");
        h.elect("n1");
        h.stabilize();
        h.addNode("n4");
        RaftNode leader = h.node("n1");
        assertThat(leader.proposeConfigChange(new ConfigChange(ConfigChange.Type.ADD_LEARNER, N4))).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(leader.proposeConfigChange(new ConfigChange(ConfigChange.Type.REMOVE_NODE, N2)))
                .isEqualTo(new Rejected(Rejection.CONFIG_CHANGE_PENDING, java.util.Optional.of(N1)));
        h.process(h.m("n1"));
        h.stabilize();
        assertThat(leader.proposeConfigChange(new ConfigChange(ConfigChange.Type.PROMOTE_VOTER, N4))).isInstanceOf(ProposeResult.Accepted.class);
        h.process(h.m("n1"));
        h.stabilize();
        assertThat(h.node("n4").membership().isVoter(N4)).isTrue();
        assertThat(leader.progress()).extracting(PeerProgress::node).containsExactly(N1, N2, NodeId.of("n3"), N4);
    }
}
