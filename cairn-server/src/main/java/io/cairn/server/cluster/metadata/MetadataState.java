package io.cairn.server.cluster.metadata;

import io.cairn.core.Invariants;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The replicated cluster metadata: nodes, topics with their placement and retention. Immutable;
 * {@link #apply} returns the next state and what happened, and is a pure function so every node
 * that applies the same log reaches the same state.
 */
public record MetadataState(SortedMap<String, NodeInfo> nodes, SortedMap<String, TopicMeta> topics, long nextTopicId) {

    public MetadataState {
        nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
        topics = Collections.unmodifiableSortedMap(new TreeMap<>(topics));
    }

    /** The state every node starts from: no nodes, no topics; a {@link MetadataCommand.Bootstrap} entry names the nodes. */
    public static MetadataState empty() {
        return new MetadataState(new TreeMap<>(), new TreeMap<>(), 1);
    }

    /** The state after the bootstrap entry with {@code nodes}, for tests. */
    public static MetadataState bootstrap(List<NodeInfo> nodes) {
        return empty().apply(new MetadataCommand.Bootstrap(nodes)).state();
    }

    /** What applying a command did. {@code error} is an API error code (snake_case) or null. */
    public record Result(boolean changed, String error, String message, TopicMeta topic) {
        static Result ok(TopicMeta topic) { return new Result(true, null, null, topic); }
        static Result same(TopicMeta topic) { return new Result(false, null, null, topic); }
        static Result fail(String error, String message) { return new Result(false, error, message, null); }
    }

    public record Applied(MetadataState state, Result result) {}

    public Applied apply(MetadataCommand command) {
        return switch (command) {
            case MetadataCommand.CreateTopic c -> createTopic(c);
            case MetadataCommand.DeleteTopic d -> {
                TopicMeta t = topics.get(d.name());
                if (t == null) yield new Applied(this, Result.fail("topic_not_found", "no topic '" + d.name() + "'"));
                TreeMap<String, TopicMeta> next = new TreeMap<>(topics);
                next.remove(d.name());
                yield new Applied(new MetadataState(nodes, next, nextTopicId), Result.ok(t));
            }
            case MetadataCommand.SetRetention r -> {
                TopicMeta t = topics.get(r.name());
                if (t == null) yield new Applied(this, Result.fail("topic_not_found", "no topic '" + r.name() + "'"));
                TopicMeta updated = t.withRetention(r.retentionMs(), r.retentionBytes());
                yield new Applied(withTopic(updated), Result.ok(updated));
            }
            case MetadataCommand.AddNode a -> {
                NodeInfo info = new NodeInfo(a.id(), a.peerHost(), a.peerPort(), a.httpUrl());
                NodeInfo old = nodes.get(a.id());
                if (info.equals(old)) yield new Applied(this, Result.same(null));
                if (old != null) {
                    yield new Applied(this, Result.fail("node_exists", "node " + a.id() + " already exists with other addresses"));
                }
                TreeMap<String, NodeInfo> next = new TreeMap<>(nodes);
                next.put(a.id(), info);
                yield new Applied(new MetadataState(next, topics, nextTopicId), Result.ok(null));
            }
            case MetadataCommand.RemoveNode r -> {
                if (!nodes.containsKey(r.id())) yield new Applied(this, Result.fail("node_not_found", "no node " + r.id()));
                for (TopicMeta t : topics.values()) {
                    for (int p = 0; p < t.partitions(); p++) {
                        if (t.replicasOf(p).contains(r.id())) {
                            yield new Applied(this, Result.fail("node_in_use", "node " + r.id() + " still holds a replica of "
                                    + t.name() + "/" + p));
                        }
                    }
                }
                TreeMap<String, NodeInfo> next = new TreeMap<>(nodes);
                next.remove(r.id());
                yield new Applied(new MetadataState(next, topics, nextTopicId), Result.ok(null));
            }
            case MetadataCommand.Nudge n -> new Applied(this, Result.same(null));
            case MetadataCommand.Bootstrap b -> {
                if (!nodes.isEmpty()) yield new Applied(this, Result.same(null));
                SortedMap<String, NodeInfo> m = new TreeMap<>();
                for (NodeInfo n : b.nodes()) m.put(n.id(), n);
                yield new Applied(new MetadataState(m, topics, nextTopicId), Result.ok(null));
            }
            case MetadataCommand.SetReplicas s -> {
                TopicMeta t = topics.get(s.topic());
                if (t == null) yield new Applied(this, Result.fail("topic_not_found", "no topic '" + s.topic() + "'"));
                if (s.partition() < 0 || s.partition() >= t.partitions()) {
                    yield new Applied(this, Result.fail("partition_not_found", "no partition " + s.partition()));
                }
                TopicMeta updated = t.withReplicas(s.partition(), s.replicas());
                yield new Applied(withTopic(updated), Result.ok(updated));
            }
        };
    }

    private Applied createTopic(MetadataCommand.CreateTopic c) {
        TopicMeta existing = topics.get(c.name());
        if (existing != null) {
            boolean identical = existing.partitions() == c.partitions() && existing.replicationFactor() == c.replicationFactor()
                    && Objects.equals(existing.retentionMs(), c.retentionMs())
                    && Objects.equals(existing.retentionBytes(), c.retentionBytes());
            return identical ? new Applied(this, Result.same(existing))
                    : new Applied(this, Result.fail("topic_exists", "topic '" + c.name() + "' exists with "
                    + existing.partitions() + " partitions, replication factor " + existing.replicationFactor()));
        }
        if (c.partitions() < 1 || c.partitions() > TopicMeta.PARTITIONS_MAX) {
            return new Applied(this, Result.fail("invalid_partitions", "partitions must be 1.." + TopicMeta.PARTITIONS_MAX));
        }
        if (c.replicationFactor() < 1 || c.replicationFactor() > nodes.size()) {
            return new Applied(this, Result.fail("invalid_replication_factor", "replication_factor must be 1.." + nodes.size()
                    + " (the number of nodes)"));
        }
        List<List<String>> replicas = Placement.place(new ArrayList<>(nodes.keySet()), topics.values(), nextTopicId,
                c.partitions(), c.replicationFactor());
        TopicMeta t = new TopicMeta(c.name(), nextTopicId, c.partitions(), c.replicationFactor(), c.retentionMs(),
                c.retentionBytes(), replicas);
        Invariants.check(t.groupId(0) > 0, "topic id %s gives a non-positive group id", nextTopicId);
        TreeMap<String, TopicMeta> next = new TreeMap<>(topics);
        next.put(c.name(), t);
        return new Applied(new MetadataState(nodes, next, nextTopicId + 1), Result.ok(t));
    }

    private MetadataState withTopic(TopicMeta t) {
        TreeMap<String, TopicMeta> next = new TreeMap<>(topics);
        next.put(t.name(), t);
        return new MetadataState(nodes, next, nextTopicId);
    }

    /** Every partition placed on {@code node}: topic name → partitions. */
    public Map<TopicMeta, List<Integer>> partitionsOn(String node) {
        Map<TopicMeta, List<Integer>> out = new java.util.LinkedHashMap<>();
        for (TopicMeta t : topics.values()) {
            for (int p = 0; p < t.partitions(); p++) {
                if (t.replicasOf(p).contains(node)) out.computeIfAbsent(t, k -> new ArrayList<>()).add(p);
            }
        }
        return out;
    }
}
