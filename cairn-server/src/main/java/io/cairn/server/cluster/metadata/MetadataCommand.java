package io.cairn.server.cluster.metadata;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;

/**
 * A change to the cluster metadata, carried as JSON in a Raft entry of the metadata group. JSON
 * keeps the metadata log readable with {@code strings} when something goes wrong; it is small and
 * rare, so its size does not matter. Field names are a durable format: only add.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = MetadataCommand.CreateTopic.class, name = "create_topic"),
        @JsonSubTypes.Type(value = MetadataCommand.DeleteTopic.class, name = "delete_topic"),
        @JsonSubTypes.Type(value = MetadataCommand.SetRetention.class, name = "set_retention"),
        @JsonSubTypes.Type(value = MetadataCommand.AddNode.class, name = "add_node"),
        @JsonSubTypes.Type(value = MetadataCommand.RemoveNode.class, name = "remove_node"),
        @JsonSubTypes.Type(value = MetadataCommand.SetReplicas.class, name = "set_replicas"),
        @JsonSubTypes.Type(value = MetadataCommand.Nudge.class, name = "nudge"),
        @JsonSubTypes.Type(value = MetadataCommand.Bootstrap.class, name = "bootstrap"),
        @JsonSubTypes.Type(value = MetadataCommand.DrainNode.class, name = "drain_node"),
})
public sealed interface MetadataCommand {
    ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    record CreateTopic(String name, int partitions, int replicationFactor, Long retentionMs, Long retentionBytes)
            implements MetadataCommand {}

    record DeleteTopic(String name) implements MetadataCommand {}

    record SetRetention(String name, Long retentionMs, Long retentionBytes) implements MetadataCommand {}

    /**
     * The first entry a cluster's first leader commits: the nodes of the static {@code --peers}
     * list. Putting them in the log (instead of each node's flags) lets a node that joins later
     * replay exactly the history the others applied, so it computes the same placements. Applied
     * only to an empty node list; later copies (from a leader elected before the first committed)
     * change nothing.
     */
    record Bootstrap(List<NodeInfo> nodes) implements MetadataCommand {}

    /** Makes a node known (addresses) before it joins any Raft group. */
    record AddNode(String id, String peerHost, int peerPort, String httpUrl) implements MetadataCommand {}

    /** Forgets a node; refused while any partition still places a replica on it. */
    record RemoveNode(String id) implements MetadataCommand {}

    /**
     * Starts removing a node: its replicas are moved to other nodes one partition at a time (by
     * the metadata leader), then a {@link RemoveNode} forgets it. Refused when the remaining nodes
     * could not keep every partition's replication factor.
     */
    record DrainNode(String id) implements MetadataCommand {}

    /**
     * Records a partition's replica list. A move appends the new node first (so it opens a learner
     * replica), and replaces the old node by it once the partition's Raft group has changed.
     */
    record SetReplicas(String topic, int partition, List<String> replicas) implements MetadataCommand {}

    /**
     * Changes nothing. The leader proposes it when a live follower's match index has not moved
     * for a while although it lags: the core waits for an in-flight append to be acknowledged
     * before sending an empty probe, so an append lost while the follower restarted is otherwise
     * only retried with the next proposal, and metadata proposals are rare.
     */
    record Nudge() implements MetadataCommand {}

    default byte[] encode() {
        try {
            return JSON.writerFor(MetadataCommand.class).writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + this, e);
        }
    }

    static MetadataCommand decode(byte[] data) {
        try {
            return JSON.readValue(data, MetadataCommand.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed metadata command: " + e.getMessage(), e);
        }
    }
}
