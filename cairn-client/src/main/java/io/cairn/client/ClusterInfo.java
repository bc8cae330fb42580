package io.cairn.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /cluster} as answered by one node. The raw JSON is kept because the document is rich
 * (roles, terms, match indexes, lag); the accessors read the fields most callers need and tolerate
 * the ones a node leaves out.
 */
public record ClusterInfo(JsonNode raw, String nodeUrl) {

    /** Id of the node that answered. */
    public String nodeId() {
        JsonNode n = raw.get("node_id");
        return n == null ? Transport.text(raw, "id") : n.asText();
    }

    /** Id of the metadata group's leader, or null when there is none. */
    public String metadataLeader() {
        JsonNode m = raw.get("metadata_leader");
        if (m == null || m.isNull()) {
            m = raw.path("metadata").get("leader");
        }
        if (m == null || m.isNull()) {
            return null;
        }
        return m.isObject() ? Transport.text(m, "id") : m.asText();
    }

    /** Leader id of a partition, or null when none is known. */
    public String partitionLeader(String topic, int partition) {
        for (JsonNode p : raw.path("partitions")) {
            if (topic.equals(Transport.text(p, "topic")) && p.path("partition").asInt(-1) == partition) {
                String leader = Transport.text(p, "leader");
                return leader == null ? Transport.text(p, "leader_id") : leader;
            }
        }
        return null;
    }

    /** Ids of the nodes this node knows about. */
    public List<String> nodeIds() {
        List<String> ids = new ArrayList<>();
        for (JsonNode n : raw.path("nodes")) {
            String id = Transport.text(n, "id");
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }
}
