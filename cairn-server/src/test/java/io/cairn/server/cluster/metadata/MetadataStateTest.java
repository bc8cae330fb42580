package io.cairn.server.cluster.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataStateTest {
    private static MetadataState cluster(int n) {
        List<NodeInfo> nodes = new java.util.ArrayList<>();
        for (int i = 1; i <= n; i++) nodes.add(new NodeInfo("n" + i, "127.0.0.1", 7100 + i, "http://127.0.0.1:" + (7000 + i)));
        return MetadataState.bootstrap(nodes);
    }

    @Test
    void leadersAndReplicasAreSpreadEvenlyAcrossTopics() {
        MetadataState s = cluster(3);
        s = s.apply(new MetadataCommand.CreateTopic("a", 3, 3, null, null)).state();
        s = s.apply(new MetadataCommand.CreateTopic("b", 6, 2, null, null)).state();
        s = s.apply(new MetadataCommand.CreateTopic("c", 1, 1, null, null)).state();
        Map<String, Integer> leaders = new HashMap<>();
        for (TopicMeta t : s.topics().values()) {
            for (List<String> r : t.replicas()) {
                assertThat(new HashSet<>(r)).as("distinct replicas").hasSize(r.size());
                assertThat(r).hasSize(t.replicationFactor());
                leaders.merge(r.get(0), 1, Integer::sum);
            }
        }
        // 10 partitions over 3 nodes: every node leads 3 or 4.
        assertThat(leaders.values()).allMatch(c -> c == 3 || c == 4);
        assertThat(leaders.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
    }

    @Test
    void applyingTheSameCommandsGivesTheSameStateOnEveryNode() {
        List<MetadataCommand> log = List.of(
                new MetadataCommand.CreateTopic("a", 5, 3, 1000L, null),
                new MetadataCommand.CreateTopic("b", 2, 1, null, 1L << 30),
                new MetadataCommand.DeleteTopic("a"),
                new MetadataCommand.CreateTopic("a", 4, 2, null, null));
        MetadataState x = cluster(5);
        MetadataState y = cluster(5);
        for (MetadataCommand c : log) {
            x = x.apply(MetadataCommand.decode(c.encode())).state();
            y = y.apply(c).state();
        }
        assertThat(x).isEqualTo(y);
        assertThat(x.topics().get("a").topicId()).as("a recreated topic gets a new id").isEqualTo(3);
    }

    @Test
    void createIsIdempotentForIdenticalSettingsAndConflictsOtherwise() {
        MetadataState s = cluster(3).apply(new MetadataCommand.CreateTopic("t", 2, 3, null, null)).state();
        MetadataState.Applied same = s.apply(new MetadataCommand.CreateTopic("t", 2, 3, null, null));
        assertThat(same.result().changed()).isFalse();
        assertThat(same.result().error()).isNull();
        MetadataState.Applied other = s.apply(new MetadataCommand.CreateTopic("t", 3, 3, null, null));
        assertThat(other.result().error()).isEqualTo("topic_exists");
        assertThat(other.state()).isEqualTo(s);
    }

    @Test
    void replicationFactorAboveTheNodeCountIsRefusedAndChangesNothing() {
        MetadataState s = cluster(3);
        MetadataState.Applied a = s.apply(new MetadataCommand.CreateTopic("t", 1, 4, null, null));
        assertThat(a.result().error()).isEqualTo("invalid_replication_factor");
        assertThat(a.state()).isEqualTo(s);
    }

    @Test
    void aNodeHoldingReplicasCannotBeForgotten() {
        MetadataState s = cluster(3).apply(new MetadataCommand.CreateTopic("t", 1, 3, null, null)).state();
        assertThat(s.apply(new MetadataCommand.RemoveNode("n2")).result().error()).isEqualTo("node_in_use");
        s = s.apply(new MetadataCommand.SetReplicas("t", 0, List.of("n1", "n3"))).state();
        MetadataState.Applied removed = s.apply(new MetadataCommand.RemoveNode("n2"));
        assertThat(removed.result().error()).isNull();
        assertThat(removed.state().nodes()).doesNotContainKey("n2");
    }

    @Test
    void drainingANodeIsRefusedWhenTheOthersCannotKeepTheReplicationFactor() {
        MetadataState s = cluster(3).apply(new MetadataCommand.CreateTopic("t", 2, 3, null, null)).state();
        MetadataState.Applied refused = s.apply(new MetadataCommand.DrainNode("n3"));
        assertThat(refused.result().error()).isEqualTo("not_enough_nodes");
        assertThat(refused.result().message()).contains("t/0").contains("replication factor 3");
        assertThat(refused.state()).as("nothing changed").isEqualTo(s);
        assertThat(s.apply(new MetadataCommand.DrainNode("n9")).result().error()).isEqualTo("node_not_found");
    }

    @Test
    void aDrainingNodeGetsNoNewReplicasAndOneRemovalRunsAtATime() {
        MetadataState s = cluster(4).apply(new MetadataCommand.CreateTopic("t", 4, 3, null, null)).state();
        MetadataState.Applied drained = s.apply(new MetadataCommand.DrainNode("n2"));
        assertThat(drained.result().error()).isNull();
        s = drained.state();
        assertThat(s.draining()).containsExactly("n2");
        assertThat(s.apply(new MetadataCommand.DrainNode("n2")).result().changed()).as("asking again").isFalse();
        assertThat(s.apply(new MetadataCommand.DrainNode("n3")).result().error()).isEqualTo("change_in_progress");
        s = s.apply(new MetadataCommand.CreateTopic("u", 6, 3, null, null)).state();
        for (List<String> r : s.topics().get("u").replicas()) assertThat(r).doesNotContain("n2");
        assertThat(s.apply(new MetadataCommand.CreateTopic("v", 1, 4, null, null)).result().error())
                .as("only three nodes are placeable").isEqualTo("invalid_replication_factor");
    }

    @Test
    void aReplacementIsANodeOutsideThePartitionAndTakesAPreferredSlotFromTheLeastLoaded() {
        MetadataState s = cluster(4).apply(new MetadataCommand.CreateTopic("t", 4, 3, null, null)).state();
        s = s.apply(new MetadataCommand.DrainNode("n1")).state();
        TopicMeta t = s.topics().get("t");
        for (int p = 0; p < 4; p++) {
            if (!t.replicasOf(p).contains("n1")) continue;
            String to = s.replacementFor(t, p, "n1");
            assertThat(to).isNotNull().isNotEqualTo("n1");
            assertThat(t.replicasOf(p)).doesNotContain(to);
        }
    }

    @Test
    void forgettingADrainedNodeEndsTheRemovalAndReplicaListsMustNameKnownNodes() {
        MetadataState s = cluster(4).apply(new MetadataCommand.CreateTopic("t", 1, 3, null, null)).state();
        List<String> r = s.topics().get("t").replicasOf(0);
        String spare = List.of("n1", "n2", "n3", "n4").stream().filter(n -> !r.contains(n)).findFirst().orElseThrow();
        String leaving = r.get(1);
        s = s.apply(new MetadataCommand.DrainNode(leaving)).state();
        assertThat(s.apply(new MetadataCommand.SetReplicas("t", 0, List.of("n1", "n1"))).result().error()).isEqualTo("invalid_replicas");
        assertThat(s.apply(new MetadataCommand.SetReplicas("t", 0, List.of("n7"))).result().error()).isEqualTo("invalid_replicas");
        java.util.ArrayList<String> moved = new java.util.ArrayList<>(r);
        moved.set(1, spare);
        s = s.apply(new MetadataCommand.SetReplicas("t", 0, moved)).state();
        MetadataState.Applied gone = s.apply(new MetadataCommand.RemoveNode(leaving));
        assertThat(gone.result().error()).isNull();
        assertThat(gone.state().draining()).isEmpty();
        assertThat(gone.state().nodes()).doesNotContainKey(leaving);
    }
}
