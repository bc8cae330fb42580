package io.cairn.server.cluster.metadata;

import io.cairn.core.Invariants;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replicated cluster metadata: nodes, topics with their placement and retention. Immutable;
 * {@link #apply} returns the next state and what happened, and is a pure function so every node
 * that applies the same log reaches the same state.
 */
public record MetadataState(SortedMap<String, NodeInfo> nodes, SortedMap<String, TopicMeta> topics, long nextTopicId,
                            SortedSet<String> draining) {

    public MetadataState {
        nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
        topics = Collections.unmodifiableSortedMap(new TreeMap<>(topics));
        draining = Collections.unmodifiableSortedSet(new TreeSet<>(draining));
    }

    /** The state every node starts from: no nodes, no topics; a {@link MetadataCommand.Bootstrap} entry names the nodes. */
    public static MetadataState empty() {
        return new MetadataState(new TreeMap<>(), new TreeMap<>(), 1, new TreeSet<>());
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
                yield new Applied(new MetadataState(nodes, next, nextTopicId, draining), Result.ok(t));
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
                yield new Applied(new MetadataState(next, topics, nextTopicId, draining), Result.ok(null));
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
                TreeSet<String> stillDraining = new TreeSet<>(draining);
                stillDraining.remove(r.id());
                yield new Applied(new MetadataState(next, topics, nextTopicId, stillDraining), Result.ok(null));
            }
            case MetadataCommand.Nudge n -> new Applied(this, Result.same(null));
            case MetadataCommand.Bootstrap b -> {
                if (!nodes.isEmpty()) yield new Applied(this, Result.same(null));
                SortedMap<String, NodeInfo> m = new TreeMap<>();
                for (NodeInfo n : b.nodes()) m.put(n.id(), n);
                yield new Applied(new MetadataState(m, topics, nextTopicId, draining), Result.ok(null));
            }
            case MetadataCommand.DrainNode d -> drainNode(d.id());
            case MetadataCommand.SetReplicas s -> {
                TopicMeta t = topics.get(s.topic());
                if (t == null) yield new Applied(this, Result.fail("topic_not_found", "no topic '" + s.topic() + "'"));
                if (s.partition() < 0 || s.partition() >= t.partitions()) {
                    yield new Applied(this, Result.fail("partition_not_found", "no partition " + s.partition()));
                }
                if (s.replicas().isEmpty() || new TreeSet<>(s.replicas()).size() != s.replicas().size()
                        || !nodes.keySet().containsAll(s.replicas())) {
                    yield new Applied(this, Result.fail("invalid_replicas", "replicas " + s.replicas()
                            + " must be distinct known nodes"));
                }
                if (s.replicas().equals(t.replicasOf(s.partition()))) yield new Applied(this, Result.same(t));
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
        List<String> placeable = placeableNodes();
        if (c.replicationFactor() < 1 || c.replicationFactor() > placeable.size()) {
            return new Applied(this, Result.fail("invalid_replication_factor", "replication_factor must be 1.." + placeable.size()
                    + " (the number of nodes" + (draining.isEmpty() ? "" : ", not counting " + draining + " being removed") + ")"));
        }
        List<List<String>> replicas = Placement.place(placeable, topics.values(), nextTopicId,
                c.partitions(), c.replicationFactor());
        TopicMeta t = new TopicMeta(c.name(), nextTopicId, c.partitions(), c.replicationFactor(), c.retentionMs(),
                c.retentionBytes(), replicas);
        Invariants.check(t.groupId(0) > 0, "topic id %s gives a non-positive group id", nextTopicId);
        TreeMap<String, TopicMeta> next = new TreeMap<>(topics);
        next.put(c.name(), t);
        return new Applied(new MetadataState(nodes, next, nextTopicId + 1, draining), Result.ok(t));
    }

    /** Nodes new replicas may go to, in id order: every node except those being removed. */
    public List<String> placeableNodes() {
        List<String> out = new ArrayList<>(nodes.keySet());
        out.removeAll(draining);
        return out;
    }

    /**
     * Starts removing a node: it stays a member (its replicas keep serving) while every replica it
     * holds is moved elsewhere, and it gets no new replicas. Refused, changing nothing, when a
     * replica could not be moved without lowering its partition's replication factor, or while
     * another node is being removed (membership changes go one at a time).
     */
    private Applied drainNode(String id) {
        if (!nodes.containsKey(id)) return new Applied(this, Result.fail("node_not_found", "no node " + id));
        if (draining.contains(id)) return new Applied(this, Result.same(null));
        if (!draining.isEmpty()) {
            return new Applied(this, Result.fail("change_in_progress", "node " + draining.first()
                    + " is being removed; remove one node at a time"));
        }
        if (nodes.size() == 1) return new Applied(this, Result.fail("last_node", "cannot remove the last node"));
        TreeSet<String> nextDraining = new TreeSet<>(draining);
        nextDraining.add(id);
        MetadataState next = new MetadataState(nodes, topics, nextTopicId, nextDraining);
        for (TopicMeta t : topics.values()) {
            for (int p = 0; p < t.partitions(); p++) {
                if (t.replicasOf(p).contains(id) && next.replacementFor(t, p, id) == null) {
                    int left = next.placeableNodes().size();
                    return new Applied(this, Result.fail("not_enough_nodes", "cannot remove " + id + ": " + t.name() + "/" + p
                            + " has replication factor " + t.replicationFactor() + " and only " + left + " other node"
                            + (left == 1 ? "" : "s") + " would remain; add a node first or lower the topic's replication factor"));
                }
            }
        }
        return new Applied(next, Result.ok(null));
    }

    /**
     * Where a replica of {@code t}/{@code partition} moves when it leaves {@code from}: a node not
     * being removed that holds no replica of the partition yet. Deterministic, so every node agrees
     * on the check. Prefers the node with the fewest preferred-leader slots when {@code from} is
     * the preferred leader (the newcomer takes that slot, which keeps leaders spread), then the
     * node with the fewest replicas, then the lowest id. Null when there is none.
     */
    public String replacementFor(TopicMeta t, int partition, String from) {
        List<String> current = t.replicasOf(partition);
        boolean preferredSlot = !current.isEmpty() && current.get(0).equals(from);
        Map<String, int[]> load = new TreeMap<>(); // node -> {preferred slots, replicas}
        for (String n : placeableNodes()) load.put(n, new int[2]);
        for (TopicMeta other : topics.values()) {
            for (List<String> r : other.replicas()) {
                for (int i = 0; i < r.size(); i++) {
                    int[] l = load.get(r.get(i));
                    if (l == null) continue;
                    if (i == 0) l[0]++;
                    l[1]++;
                }
            }
        }
        String best = null;
        for (Map.Entry<String, int[]> e : load.entrySet()) {
            if (current.contains(e.getKey())) continue;
            if (best == null || better(e.getValue(), load.get(best), preferredSlot)) best = e.getKey();
        }
        return best;
    }

    private static boolean better(int[] a, int[] b, boolean preferredSlot) {
        if (preferredSlot && a[0] != b[0]) return a[0] < b[0];
        return a[1] < b[1];
    }

    private MetadataState withTopic(TopicMeta t) {
        TreeMap<String, TopicMeta> next = new TreeMap<>(topics);
        next.put(t.name(), t);
        return new MetadataState(nodes, next, nextTopicId, draining);
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
