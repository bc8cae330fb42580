package io.cairn.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.server.broker.Broker.TopicSpec;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.ClusterView;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.metrics.NodeMetrics;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Health, readiness, metrics, the cluster view and its changes, and the benchmark baseline. */
final class NodeRoutes {
    private static final Set<String> TRANSFER_FIELDS = Set.of("topic", "partition", "to");
    private static final Set<String> ADD_NODE_FIELDS = Set.of("id", "peer_address", "http_url");
    /** Membership changes wait for replicas to move; this bounds how long a client waits. */
    static final long CLUSTER_CHANGE_TIMEOUT_MS = 120_000;

    private final ApiContext api;

    NodeRoutes(ApiContext api) {
        this.api = api;
    }

    CompletableFuture<Response> health(Exchange ex) {
        return CompletableFuture.completedFuture(Response.okPlain());
    }

    CompletableFuture<Response> ready(Exchange ex) {
        var reason = api.broker().notReadyReason();
        if (reason.isPresent()) {
            ObjectNode body = Response.errorBody("not_ready", reason.get()).put("ready", false);
            return CompletableFuture.completedFuture(Response.json(HttpResponseStatus.SERVICE_UNAVAILABLE, body,
                Map.of("Retry-After", "1")));
        }
        return CompletableFuture.completedFuture(Response.ok(Response.okBody().put("ready", true)));
    }

    CompletableFuture<Response> metrics(Exchange ex) {
        return CompletableFuture.completedFuture(new Response(HttpResponseStatus.OK, NodeMetrics.contentType(),
            api.metrics().scrape(), Map.of()));
    }

    /** Answers after the body is read and parsed by the same pipeline as produce, touching nothing. */
    CompletableFuture<Response> benchNoop(Exchange ex) {
        return CompletableFuture.completedFuture(Response.okPlain());
    }

    CompletableFuture<Response> cluster(Exchange ex) {
        ClusterView c = api.cluster();
        ObjectNode body = Response.okBody();
        body.put("node_id", c.nodeId());
        var nodes = body.putArray("nodes");
        for (ClusterView.NodeInfo n : c.nodes()) {
            nodes.addObject().put("id", n.id()).put("role", n.role()).put("peer_address", n.peerAddress())
                .put("http_url", n.httpUrl());
        }
        body.putObject("metadata").put("leader", c.metadataLeaderId()).put("term", c.metadataTerm());
        var parts = body.putArray("partitions");
        for (TopicSpec t : api.broker().listTopics()) {
            for (int p = 0; p < t.partitions(); p++) {
                PartitionHandle.Status s;
                try {
                    s = api.broker().partition(t.name(), p).status();
                } catch (BrokerException.NotFound | BrokerException.Unavailable e) {
                    continue; // deleted meanwhile, or still opening
                }
                ObjectNode n = parts.addObject();
                n.put("topic", t.name());
                n.put("partition", p);
                n.put("leader", s.leaderId());
                n.put("term", s.term());
                n.put("commit_index", s.commitIndex());
                n.put("high_watermark", s.highWatermark());
                var replicas = n.putArray("replicas");
                for (PartitionHandle.ReplicaStatus r : s.replicaProgress()) {
                    replicas.addObject().put("node_id", r.nodeId()).put("match_index", r.matchIndex()).put("lag", r.lag());
                }
            }
        }
        return CompletableFuture.completedFuture(Response.ok(body));
    }

    CompletableFuture<Response> transferLeadership(Exchange ex) {
        ObjectNode req = ex.body.length == 0 ? Response.JSON.createObjectNode() : Json.object(ex.body, TRANSFER_FIELDS);
        String topic = req.hasNonNull("topic") ? Json.requireString(req, "topic") : null;
        Integer partition = req.hasNonNull("partition") ? (int) Json.requireLong(req, "partition", 0, Integer.MAX_VALUE) : null;
        String to = req.hasNonNull("to") ? Json.requireString(req, "to") : null;
        if (partition != null && topic == null) {
            throw ApiException.badRequest("missing_field", "'partition' needs 'topic'");
        }
        if (topic != null) {
            TopicSpec spec = api.topic(topic);
            if (partition != null) {
                ApiContext.partition(spec, partition);
            }
        }
        return done(api.cluster().transferLeadership(topic, partition, to));
    }

    CompletableFuture<Response> addNode(Exchange ex) {
        ObjectNode req = Json.object(ex.body, ADD_NODE_FIELDS);
        return done(api.cluster().addNode(Json.requireString(req, "id"), Json.requireString(req, "peer_address"),
            Json.requireString(req, "http_url")));
    }

    CompletableFuture<Response> removeNode(Exchange ex) {
        return done(api.cluster().removeNode(ex.path("id")));
    }

    private static CompletableFuture<Response> done(CompletableFuture<Void> change) {
        return change.orTimeout(CLUSTER_CHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .thenApply(v -> Response.ok(Response.okBody()));
    }
}
