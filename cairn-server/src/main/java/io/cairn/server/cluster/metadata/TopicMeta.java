package io.cairn.server.cluster.metadata;

import java.util.List;

/**
 * A topic as the metadata group holds it.
 *
 * @param topicId            assigned at creation, never reused: a topic deleted and created again
 *                           gets new Raft group ids, so late messages of the old groups cannot
 *                           reach the new ones
 * @param replicas           per partition, the replica node ids; the first is the preferred leader
 * @param retentionMs        null = unbounded
 * @param retentionBytes     null = unbounded
 */
public record TopicMeta(String name, long topicId, int partitions, int replicationFactor,
                        Long retentionMs, Long retentionBytes, List<List<String>> replicas) {
    /** Partitions per topic: group ids reserve 16 bits for the partition number. */
    public static final int PARTITIONS_MAX = 1024;

    public TopicMeta {
        replicas = replicas.stream().map(List::copyOf).toList();
        if (replicas.size() != partitions) {
            throw new IllegalArgumentException("topic " + name + " has " + partitions + " partitions but "
                    + replicas.size() + " placements");
        }
    }

    /** The Raft group id of one partition: topic id in the high bits, partition in the low 16. */
    public long groupId(int partition) {
        return groupIdOf(topicId, partition);
    }

    public static long groupIdOf(long topicId, int partition) {
        if (partition < 0 || partition >= PARTITIONS_MAX) throw new IllegalArgumentException("partition " + partition);
        return (topicId << 16) | partition;
    }

    public List<String> replicasOf(int partition) {
        return replicas.get(partition);
    }

    public TopicMeta withRetention(Long ms, Long bytes) {
        return new TopicMeta(name, topicId, partitions, replicationFactor, ms, bytes, replicas);
    }

    public TopicMeta withReplicas(int partition, List<String> nodes) {
        List<List<String>> copy = new java.util.ArrayList<>(replicas);
        copy.set(partition, List.copyOf(nodes));
        return new TopicMeta(name, topicId, partitions, replicationFactor, retentionMs, retentionBytes, copy);
    }
}
