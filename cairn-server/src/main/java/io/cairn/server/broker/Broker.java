package io.cairn.server.broker;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Topics and their partitions on this node. Implementations are thread-safe. */
public interface Broker extends AutoCloseable {

    /**
     * Creates a topic. Completes with {@code created=true} for a new topic, {@code created=false}
     * when an identical topic exists, and fails with {@link BrokerException.Conflict} when it
     * exists with other settings.
     */
    CompletableFuture<TopicCreated> createTopic(TopicSpec spec);

    List<TopicSpec> listTopics();

    /** Fails with {@link BrokerException.NotFound} for an unknown topic. */
    TopicDescription describeTopic(String topic);

    /**
     * The topic's settings without reading partition state (cheap, for the produce path).
     * Fails with {@link BrokerException.NotFound} for an unknown topic.
     */
    default TopicSpec topicSpec(String topic) {
        return listTopics().stream().filter(t -> t.name().equals(topic)).findFirst()
            .orElseThrow(() -> new BrokerException.NotFound("topic_not_found", "topic '" + topic + "' does not exist"));
    }

    /** Sum of every partition log's bytes on this node, for the {@code --max-disk-bytes} bound. */
    default long logBytesTotal() {
        long total = 0;
        for (TopicSpec t : listTopics()) {
            for (int p = 0; p < t.partitions(); p++) {
                total += partition(t.name(), p).status().logBytes();
            }
        }
        return total;
    }

    /** Removes the topic and its data. Fails with {@link BrokerException.NotFound} when unknown. */
    CompletableFuture<Void> deleteTopic(String topic);

    CompletableFuture<Void> setRetention(String topic, Retention retention);

    /** The partition replica on this node, or {@link BrokerException.NotFound}. */
    PartitionHandle partition(String topic, int partition);

    /** Committed offset and lag per topic/partition for a group; empty if the group committed nothing. */
    List<GroupOffset> describeGroup(String group);

    /**
     * The group's offsets for {@code GET /broker/groups/{group}}. A cluster node asks the other
     * nodes and keeps each partition's leader's answer, so any node answers the same; with
     * {@code thisNodeOnly} it reports its own replicas (what the other nodes ask for).
     */
    default CompletableFuture<List<GroupOffset>> groupOffsets(String group, boolean thisNodeOnly) {
        return CompletableFuture.completedFuture(describeGroup(group));
    }

    /**
     * Called before answering 404 for a topic or partition: makes sure this node has seen every
     * topic change acknowledged before the call. Completes with true when it may have learned
     * something (the caller looks again, and that answer stands), false when its view is
     * authoritative already (a single node); fails with 503 when that cannot be confirmed in time.
     */
    default CompletableFuture<Boolean> catchUpMetadata() {
        return CompletableFuture.completedFuture(false);
    }

    /** Why the node is not ready (logs still recovering, no metadata leader), or empty when ready. */
    Optional<String> notReadyReason();

    @Override
    void close();

    record TopicSpec(String name, int partitions, int replicationFactor, Retention retention) {}

    /** Retention bounds; {@code null} means unbounded. */
    record Retention(Long ms, Long bytes) {
        public static final Retention NONE = new Retention(null, null);
    }

    record TopicCreated(TopicSpec spec, boolean created) {}

    record TopicDescription(TopicSpec spec, List<PartitionHandle.Status> partitions,
                            long dedupeWindowMs, long dedupeWindowKeysMax) {}

    /**
     * @param fromLeader whether the partition's leader reported it (false: a follower's applied
     *                   state, which may lag by a heartbeat when no leader answered)
     */
    record GroupOffset(String topic, int partition, long committedOffset, long highWatermark, long lag,
                       boolean fromLeader) {
        public GroupOffset(String topic, int partition, long committedOffset, long highWatermark, long lag) {
            this(topic, partition, committedOffset, highWatermark, lag, true);
        }
    }
}
