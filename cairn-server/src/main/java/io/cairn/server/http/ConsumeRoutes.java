package io.cairn.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.server.broker.Broker;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionHandle;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Consume (with long-poll), group commits and group lag. */
final class ConsumeRoutes {
    static final int DEFAULT_LIMIT = 100;
    /** Extra time past {@code wait_ms} before we stop waiting for a read ourselves. */
    static final long READ_GRACE_MS = 10_000;

    private final ApiContext api;

    ConsumeRoutes(ApiContext api) {
        this.api = api;
    }

    /** Where a group resumes when no offset is given: after its committed offset, or the log start. */
    static CompletableFuture<Long> startOffset(PartitionHandle handle, String group) {
        return handle.leaderCommittedOffset(group)
            .thenApply(committed -> committed >= 0 ? committed + 1 : handle.status().logStart());
    }

    CompletableFuture<Response> consume(Exchange ex) {
        Broker.TopicSpec spec = api.topic(ex.path("topic"));
        String group = ApiContext.group(ex.path("group"));
        int partition = ApiContext.partition(spec, ex.partitionPath());
        var c = api.config();
        Long offsetParam = ex.param("offset") == null ? null : ex.longParam("offset", 0, Long.MAX_VALUE, 0);
        int limit = (int) ex.longParam("limit", 1, c.maxConsumeRecords(), Math.min(DEFAULT_LIMIT, c.maxConsumeRecords()));
        long maxBytes = ex.longParam("max_bytes", 1, c.maxConsumeBytes(), c.maxConsumeBytes());
        long waitMs = ex.longParam("wait_ms", 0, c.maxWaitMs(), 0);
        RecordJson.Encoding encoding = RecordJson.parseEncoding(ex.param("encoding"));
        PartitionHandle handle = api.broker().partition(spec.name(), partition);
        CompletableFuture<Long> start = offsetParam != null
            ? CompletableFuture.completedFuture(offsetParam) : readTimeout(startOffset(handle, group), 0);
        return start
            .thenCompose(offset -> readTimeout(handle.consume(offset, limit, maxBytes, waitMs), waitMs))
            .thenApply(page -> {
                ObjectNode body = Response.okBody();
                var arr = body.putArray("messages");
                long bytes = 0;
                for (var r : page.records()) {
                    RecordJson.write(arr.addObject(), r, partition, encoding);
                    bytes += r.value().length;
                }
                body.put("count", page.records().size());
                body.put("next_offset", page.nextOffset());
                body.put("committed_offset", handle.committedOffset(group));
                body.put("high_watermark", page.highWatermark());
                body.put("log_start", page.logStart());
                body.put("reset", page.reset());
                api.metrics().recordConsume(spec.name(), page.records().size(), bytes);
                return Response.ok(body);
            });
    }

    /** A read that outlives its wait by far is reported as 503, never as a 504 "outcome unknown". */
    static <T> CompletableFuture<T> readTimeout(CompletableFuture<T> read, long waitMs) {
        return read.orTimeout(waitMs + READ_GRACE_MS, TimeUnit.MILLISECONDS).exceptionallyCompose(t -> {
            if (Errors.unwrap(t) instanceof TimeoutException) {
                return CompletableFuture.failedFuture(new BrokerException.Unavailable("read_timeout",
                    "the partition did not answer the read in time; retry", 1000));
            }
            return CompletableFuture.failedFuture(t);
        });
    }

    private static final Set<String> COMMIT_FIELDS = Set.of("topic", "group", "partition", "offset");

    CompletableFuture<Response> commit(Exchange ex) {
        ObjectNode req = Json.object(ex.body, COMMIT_FIELDS);
        String topicName = Json.requireString(req, "topic");
        String group = ApiContext.group(Json.requireString(req, "group"));
        long partitionNo = Json.requireLong(req, "partition", 0, Integer.MAX_VALUE);
        long offset = Json.requireLong(req, "offset", 0, Long.MAX_VALUE);
        Broker.TopicSpec spec = api.topic(topicName);
        ex.principal.require(Auth.Action.CONSUME, spec.name());
        int partition = ApiContext.partition(spec, partitionNo);
        PartitionHandle handle = api.broker().partition(spec.name(), partition);
        // The partition's leader judges the offset against its high watermark (400 beyond it); a
        // follower redirects first, since its own high watermark may lag.
        return handle.commit(group, offset)
            .orTimeout(api.config().defaultTimeoutMs() + ProduceRoutes.RESPONSE_GRACE_MS, TimeUnit.MILLISECONDS)
            .thenApply(r -> Response.ok(Response.okBody()
                .put("topic", spec.name())
                .put("group", group)
                .put("partition", partition)
                .put("committed_offset", r.committedOffset())
                .put("advanced", r.advanced())));
    }

    /** {@code scope=node}: only this node's replicas (what cluster nodes ask each other); default: the whole cluster. */
    CompletableFuture<Response> group(Exchange ex) {
        String group = ApiContext.group(ex.path("group"));
        String scope = ex.param("scope");
        if (scope != null && !scope.equals("node") && !scope.equals("cluster")) {
            throw ApiException.badRequest("invalid_scope", "scope must be 'node' or 'cluster'");
        }
        return api.broker().groupOffsets(group, "node".equals(scope)).thenApply(all -> {
            var offsets = all.stream()
                .filter(o -> ex.principal.admin() || ex.principal.allows(Auth.Action.CONSUME, o.topic()))
                .toList();
            if (offsets.isEmpty()) {
                throw new ApiException(HttpResponseStatus.NOT_FOUND, "group_not_found",
                    "group '" + group + "' has no committed offsets" + (api.config().tokens().isEmpty() ? ""
                    : " on topics this token may consume"));
            }
            ObjectNode body = Response.okBody().put("group", group);
            var arr = body.putArray("partitions");
            long total = 0;
            for (var o : offsets) {
                arr.addObject()
                    .put("topic", o.topic())
                    .put("partition", o.partition())
                    .put("committed_offset", o.committedOffset())
                    .put("high_watermark", o.highWatermark())
                    .put("lag", o.lag())
                    .put("from_leader", o.fromLeader());
                total += o.lag();
            }
            body.put("total_lag", total);
            return Response.ok(body);
        });
    }
}
