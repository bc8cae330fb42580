package io.cairn.server.cluster.metadata;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides where a new topic's partition replicas live. Deterministic (a function of the node list
 * and the existing topics only), because every node computes it while applying the same command.
 *
 * <p>Each partition's preferred leader is the node leading the fewest partitions so far (ties go
 * round-robin from the topic id, so equal clusters do not always start at n1), and its followers
 * are the next nodes in id order. That spreads leaders evenly and replicas evenly too: every node
 * follows the same number of leaders' partitions once a topic's partitions are a multiple of the
 * node count.
 */
public final class Placement {
    private Placement() {}

    public static List<List<String>> place(List<String> nodesInIdOrder, Collection<TopicMeta> existing,
                                           long topicId, int partitions, int replicationFactor) {
        int n = nodesInIdOrder.size();
        if (replicationFactor < 1 || replicationFactor > n) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " needs 1.." + n + " nodes");
        }
        Map<String, Integer> leaders = new HashMap<>();
        for (String node : nodesInIdOrder) leaders.put(node, 0);
        for (TopicMeta t : existing) {
            for (List<String> r : t.replicas()) {
                if (!r.isEmpty()) leaders.computeIfPresent(r.get(0), (k, v) -> v + 1);
            }
        }
        List<List<String>> out = new ArrayList<>(partitions);
        int start = (int) Math.floorMod(topicId, (long) n);
        for (int p = 0; p < partitions; p++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                int candidate = (start + p + i) % n;
                if (best < 0 || leaders.get(nodesInIdOrder.get(candidate)) < leaders.get(nodesInIdOrder.get(best))) {
                    best = candidate;
                }
            }
            List<String> replicas = new ArrayList<>(replicationFactor);
            for (int r = 0; r < replicationFactor; r++) replicas.add(nodesInIdOrder.get((best + r) % n));
            leaders.merge(replicas.get(0), 1, Integer::sum);
            out.add(replicas);
        }
        return out;
    }
}
