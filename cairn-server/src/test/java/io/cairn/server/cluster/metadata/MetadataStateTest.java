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
}
