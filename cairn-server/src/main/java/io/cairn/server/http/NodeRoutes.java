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
    private static final Set<String> MOVE_FIELDS = Set.of("topic", "partition", "from", "to");
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
        var removal = c.removalProgress();
        if (removal.isPresent()) {
            var p = removal.get();
            body.putObject("removal").put("node", p.node()).put("state", "moving_replicas")
                .put("partitions_remaining", p.partitionsRemaining()).put("current", p.current())
                .put("last_error", p.lastError());
        } else {
            body.putNull("removal");
        }
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

    /** 200 when the node is gone; 202 while its replicas move (progress under {@code removal} in {@code GET /cluster}). */
    CompletableFuture<Response> removeNode(Exchange ex) {
        String id = ex.path("id");
        return api.cluster().removeNode(id).orTimeout(CLUSTER_CHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS).thenApply(r -> {
            ObjectNode body = Response.okBody().put("node", id);
            if (r == ClusterView.Removal.DONE) {
                return Response.ok(body.put("state", "removed"));
            }
            body.put("state", "moving_replicas");
            api.cluster().removalProgress().ifPresent(p -> body.put("partitions_remaining", p.partitionsRemaining()));
            body.put("progress", "GET /cluster shows 'removal' until the node is gone");
            return Response.json(HttpResponseStatus.ACCEPTED, body);
        });
    }

    CompletableFuture<Response> moveReplica(Exchange ex) {
        ObjectNode req = Json.object(ex.body, MOVE_FIELDS);
        String topic = Json.requireString(req, "topic");
        int partition = (int) Json.requireLong(req, "partition", 0, Integer.MAX_VALUE);
        return done(api.cluster().moveReplica(topic, partition, Json.requireString(req, "from"), Json.requireString(req, "to")));
    }

    /** Internal: the metadata leader's read index, {@code {"ok":true,"index":n}}; others redirect to it. */
    CompletableFuture<Response> metadataReadIndex(Exchange ex) {
        return api.cluster().metadataReadIndex()
            .thenApply(index -> Response.ok(Response.okBody().put("index", index)));
    }

    /** Internal: answers once this node serves metadata up to {@code index} (bounded; 503 after that). */
    CompletableFuture<Response> metadataApplied(Exchange ex) {
        long index = ex.longParam("index", 0, Long.MAX_VALUE, -1);
        if (index < 0) {
            throw ApiException.badRequest("missing_parameter", "query parameter 'index' is required");
        }
        return api.cluster().awaitMetadataApplied(index)
            .thenApply(v -> Response.ok(Response.okBody().put("index", index)));
    }

    /** {@code scope=node}: only the partitions this node leads; default: every node's. */
    CompletableFuture<Response> rebalance(Exchange ex) {
        String scope = ex.param("scope");
        if (scope != null && !scope.equals("node") && !scope.equals("cluster")) {
            throw ApiException.badRequest("invalid_scope", "scope must be 'node' or 'cluster'");
        }
        boolean everyNode = !"node".equals(scope);
        return api.cluster().rebalance(everyNode).orTimeout(CLUSTER_CHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS).thenApply(r -> {
            ObjectNode body = Response.okBody();
            var moved = body.putArray("moved");
            for (ClusterView.LeaderMove m : r.moved()) {
                moved.addObject().put("topic", m.topic()).put("partition", m.partition()).put("from", m.from()).put("to", m.to());
            }
            var failed = body.putArray("failed");
            r.failed().forEach(failed::add);
            var unreachable = body.putArray("unreachable");
            r.unreachable().forEach(unreachable::add);
            return Response.ok(body);
        });
    }

    private static CompletableFuture<Response> done(CompletableFuture<Void> change) {
        return change.orTimeout(CLUSTER_CHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .thenApply(v -> Response.ok(Response.okBody()));
    }
}
