package io.cairn.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.server.broker.Broker;
import io.cairn.server.broker.Broker.Retention;
import io.cairn.server.broker.Broker.TopicSpec;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.topics.TopicRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Topic create/list/describe/delete, retention settings and {@code delete-before}. */
final class TopicRoutes {
    private static final Set<String> CREATE_FIELDS = Set.of("name", "partitions", "replication_factor", "retention");
    private static final Set<String> RETENTION_FIELDS = Set.of("ms", "bytes");
    private static final Set<String> SET_RETENTION_FIELDS = Set.of("topic", "retention");
    private static final Set<String> DELETE_BEFORE_FIELDS = Set.of("topic", "partition", "before_offset");
    /** Topic changes touch files and fsync; this bounds how long a client waits for one. */
    static final long ADMIN_TIMEOUT_MS = 60_000;

    private final ApiContext api;
    private final ProduceRoutes produce;

    TopicRoutes(ApiContext api, ProduceRoutes produce) {
        this.api = api;
        this.produce = produce;
    }

    CompletableFuture<Response> create(Exchange ex) {
        ObjectNode req = Json.object(ex.body, CREATE_FIELDS);
        String name = Json.requireString(req, "name");
        int partitions = (int) Json.requireLong(req, "partitions", 1, TopicRegistry.PARTITIONS_MAX);
        int rf = (int) Json.optionalLong(req, "replication_factor", 1, 7, 0);
        Retention retention = retention(req.get("retention"));
        return api.broker().createTopic(new TopicSpec(name, partitions, rf, retention))
            .orTimeout(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .thenApply(created -> {
                ObjectNode body = specJson(created.spec()).put("created", created.created());
                return Response.json(created.created() ? HttpResponseStatus.CREATED : HttpResponseStatus.OK, body);
            });
    }

    /** A retention object; absent or null means unbounded, as does a missing or null field. */
    private static Retention retention(JsonNode node) {
        if (node == null || node.isNull()) {
            return Retention.NONE;
        }
        if (!(node instanceof ObjectNode obj)) {
            throw ApiException.badRequest("invalid_field", "field 'retention' must be an object {\"ms\"?,\"bytes\"?}");
        }
        Json.rejectUnknown(obj, RETENTION_FIELDS, "retention.");
        return new Retention(Json.nullableLong(obj, "ms", 1, Long.MAX_VALUE),
            Json.nullableLong(obj, "bytes", 1, Long.MAX_VALUE));
    }

    private static ObjectNode specJson(TopicSpec s) {
        ObjectNode n = Response.okBody();
        n.put("topic", s.name());
        n.put("partitions", s.partitions());
        n.put("replication_factor", s.replicationFactor());
        retentionJson(n.putObject("retention"), s.retention());
        return n;
    }

    private static void retentionJson(ObjectNode n, Retention r) {
        n.put("ms", r.ms());
        n.put("bytes", r.bytes());
    }

    CompletableFuture<Response> list(Exchange ex) {
        ObjectNode body = Response.okBody();
        var arr = body.putArray("topics");
        for (TopicSpec s : api.broker().listTopics()) {
            ObjectNode t = arr.addObject();
            t.put("name", s.name());
            t.put("partitions", s.partitions());
            t.put("replication_factor", s.replicationFactor());
            retentionJson(t.putObject("retention"), s.retention());
        }
        return CompletableFuture.completedFuture(Response.ok(body));
    }

    CompletableFuture<Response> describe(Exchange ex) {
        TopicSpec spec = api.topic(ex.path("topic"));
        Broker.TopicDescription d = api.broker().describeTopic(spec.name());
        ObjectNode body = Response.okBody();
        body.put("topic", d.spec().name());
        body.put("partition_count", d.spec().partitions());
        body.put("replication_factor", d.spec().replicationFactor());
        retentionJson(body.putObject("retention"), d.spec().retention());
        body.putObject("dedupe_window").put("ms", d.dedupeWindowMs()).put("keys", d.dedupeWindowKeysMax());
        var arr = body.putArray("partitions");
        for (PartitionHandle.Status s : d.partitions()) {
            ObjectNode p = arr.addObject();
            p.put("partition", s.partition());
            p.put("leader", s.leaderId());
            p.put("term", s.term());
            p.put("log_start", s.logStart());
            p.put("high_watermark", s.highWatermark());
            p.put("commit_index", s.commitIndex());
            p.put("log_bytes", s.logBytes());
            var replicas = p.putArray("replicas");
            s.replicas().forEach(replicas::add);
        }
        return CompletableFuture.completedFuture(Response.ok(body));
    }

    CompletableFuture<Response> delete(Exchange ex) {
        TopicSpec spec = api.topic(ex.path("topic"));
        return api.broker().deleteTopic(spec.name())
            .orTimeout(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .thenApply(v -> {
                produce.forgetTopic(spec.name());
                api.metrics().forgetTopic(spec.name());
                return Response.ok(Response.okBody().put("topic", spec.name()).put("deleted", true));
            });
    }

    CompletableFuture<Response> setRetention(Exchange ex) {
        ObjectNode req = Json.object(ex.body, SET_RETENTION_FIELDS);
        TopicSpec spec = api.topic(Json.requireString(req, "topic"));
        if (!req.has("retention")) {
            throw ApiException.badRequest("missing_field", "field 'retention' is required ({} for unbounded)");
        }
        Retention retention = retention(req.get("retention"));
        return api.broker().setRetention(spec.name(), retention)
            .orTimeout(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .thenApply(v -> {
                ObjectNode body = Response.okBody().put("topic", spec.name());
                retentionJson(body.putObject("retention"), retention);
                return Response.ok(body);
            });
    }

    CompletableFuture<Response> deleteBefore(Exchange ex) {
        ObjectNode req = Json.object(ex.body, DELETE_BEFORE_FIELDS);
        TopicSpec spec = api.topic(Json.requireString(req, "topic"));
        int partition = ApiContext.partition(spec, Json.requireLong(req, "partition", 0, Integer.MAX_VALUE));
        long before = Json.requireLong(req, "before_offset", 0, Long.MAX_VALUE);
        PartitionHandle handle = api.broker().partition(spec.name(), partition);
        long hw = handle.status().highWatermark();
        if (before > hw) {
            throw ApiException.badRequest("offset_out_of_range", "before_offset " + before + " is beyond the high watermark "
                + hw + " of " + spec.name() + "/" + partition + "; only committed records can be deleted");
        }
        return handle.deleteBefore(before)
            .orTimeout(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .thenApply(r -> Response.ok(Response.okBody()
                .put("topic", spec.name())
                .put("partition", partition)
                .put("log_start", r.logStart())
                .put("deleted_segments", r.deletedSegments())
                .put("freed_bytes", r.freedBytes())));
    }
}
