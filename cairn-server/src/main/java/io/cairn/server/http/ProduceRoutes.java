package io.cairn.server.http;

import io.cairn.server.broker.Broker;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.Acks;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;
import io.cairn.server.broker.PartitionHandle.ProduceResult;
import io.cairn.server.metrics.NodeMetrics.Stage;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * {@code POST /broker/topics/{topic}/produce} (raw body = one record) and
 * {@code .../produce-ndjson} (one atomic batch). All validation happens before the partition is
 * asked to write, so a rejected request writes nothing.
 */
final class ProduceRoutes {
    /**
     * How long past the request's {@code timeout_ms} we wait for the replica before answering
     * 504 ourselves; the replica normally answers its own timeout first.
     */
    static final long RESPONSE_GRACE_MS = 2_000;

    private final ApiContext api;
    private final NdjsonParser ndjson;
    /** Round-robin positions, one per topic; entries of deleted topics are removed with them. */
    private final ConcurrentHashMap<String, AtomicInteger> roundRobin = new ConcurrentHashMap<>();

    ProduceRoutes(ApiContext api) {
        this.api = api;
        var c = api.config();
        this.ndjson = new NdjsonParser(c.maxRecordBytes(), c.maxBatchRecords(), c.maxIdempotencyKeyBytes());
    }

    void forgetTopic(String topic) {
        roundRobin.remove(topic);
    }

    CompletableFuture<Response> produce(Exchange ex) {
        Broker.TopicSpec spec = api.topic(ex.path("topic"));
        Long partitionParam = ex.param("partition") == null ? null
            : ex.longParam("partition", 0, Integer.MAX_VALUE, 0);
        byte[] key = ex.param("key") == null ? null : ex.param("key").getBytes(StandardCharsets.UTF_8);
        String idem = ex.param("idempotency_key");
        if (idem != null) {
            checkIdempotencyKey(idem, api.config().maxIdempotencyKeyBytes());
        }
        Acks acks = acks(ex);
        long timeoutMs = timeoutMs(ex);
        boolean timing = ex.flag("timing");
        byte[] value = ex.body;
        if (value.length > api.config().maxRecordBytes()) {
            throw ApiException.tooLarge("record_too_large", "the value is " + value.length + " bytes, over the "
                + api.config().maxRecordBytes() + "-byte limit (--max-record-bytes); nothing was written");
        }
        int partition;
        if (partitionParam != null) {
            partition = ApiContext.partition(spec, partitionParam);
        } else if (key != null) {
            partition = hash(key, spec.partitions());
        } else if (idem != null) {
            partition = hash(idem.getBytes(StandardCharsets.UTF_8), spec.partitions());
        } else {
            partition = nextRoundRobin(spec);
        }
        PartitionHandle handle = api.broker().partition(spec.name(), partition);
        api.disk().checkRoomFor(value.length + (key == null ? 0 : key.length));
        long parseUs = micros(ex.receivedNanos);
        // The result is delivered on the connection's event loop and the answer built there, not
        // on the partition's group thread: that thread is shared by every request to the
        // partition, so work done there serialises, while the event loops spread over the cores.
        return answerWithin(handle.produce(List.of(new ProduceRecord(key, value, idem)), acks, timeoutMs,
                ex.ctx.executor()), timeoutMs + RESPONSE_GRACE_MS, ex)
            .thenApply(result -> {
                var r = result.results().get(0);
                JsonOut body = new JsonOut(160).beginObject()
                    .field("ok", true)
                    .field("topic", spec.name())
                    .field("partition", result.partition())
                    .field("offset", r.offset())
                    .field("durable", true)
                    .field("synced", true)
                    .field("duplicate", r.duplicate());
                finish(ex, spec.name(), result, r.duplicate() ? 0 : 1, r.duplicate() ? 0 : value.length,
                    parseUs, timing, body);
                return Response.ok(body.endObject().toBytes());
            });
    }

    CompletableFuture<Response> produceNdjson(Exchange ex) {
        Broker.TopicSpec spec = api.topic(ex.path("topic"));
        Long partitionParam = ex.param("partition") == null ? null
            : ex.longParam("partition", 0, Integer.MAX_VALUE, 0);
        Acks acks = acks(ex);
        long timeoutMs = timeoutMs(ex);
        boolean timing = ex.flag("timing");
        boolean envelope = ex.flag("envelope");
        List<ProduceRecord> records = ndjson.parse(ex.body, envelope);
        int partition = partitionParam != null ? ApiContext.partition(spec, partitionParam) : nextRoundRobin(spec);
        PartitionHandle handle = api.broker().partition(spec.name(), partition);
        long bytes = 0;
        for (ProduceRecord r : records) {
            bytes += r.value().length + (r.key() == null ? 0 : r.key().length);
        }
        api.disk().checkRoomFor(bytes);
        long parseUs = micros(ex.receivedNanos);
        return answerWithin(handle.produce(records, acks, timeoutMs, ex.ctx.executor()), timeoutMs + RESPONSE_GRACE_MS, ex)
            .thenApply(result -> {
                int count = result.results().size();
                // About 40 bytes per result: sized once, so a large batch does not regrow the buffer.
                JsonOut body = new JsonOut(160 + 40 * count).beginObject()
                    .field("ok", true)
                    .field("topic", spec.name())
                    .field("partition", result.partition())
                    .field("first_offset", result.results().get(0).offset())
                    .field("count", count)
                    .beginArray("results");
                long fresh = 0;
                long freshBytes = 0;
                for (int i = 0; i < count; i++) {
                    var r = result.results().get(i);
                    body.beginObject().field("offset", r.offset()).field("duplicate", r.duplicate()).endObject();
                    if (!r.duplicate()) {
                        fresh++;
                        freshBytes += records.get(i).value().length;
                    }
                }
                body.endArray();
                finish(ex, spec.name(), result, fresh, freshBytes, parseUs, timing, body);
                return Response.ok(body.endObject().toBytes());
            });
    }

    /**
     * The end of every produce answer, single record or batch: records the produce metrics and
     * appends the optional {@code timing} object to the open answer.
     */
    private void finish(Exchange ex, String topic, ProduceResult result, long records, long bytes, long parseUs,
                        boolean timing, JsonOut body) {
        long serverUs = micros(ex.receivedNanos);
        var metrics = api.metrics();
        metrics.recordProduce(topic, records, bytes, System.nanoTime() - ex.receivedNanos);
        PartitionHandle.Timing t = result.timing() != null ? result.timing() : new PartitionHandle.Timing(-1, -1, -1, -1);
        metrics.recordStageMicros(Stage.PARSE, parseUs);
        metrics.recordStageMicros(Stage.QUEUE, t.queueUs());
        metrics.recordStageMicros(Stage.HANDLER, serverUs);
        metrics.recordStageMicros(Stage.FSYNC, t.fsyncUs());
        metrics.recordStageMicros(Stage.REPLICATION, t.replicateUs());
        if (timing) {
            body.beginObject("timing")
                .field("parse_us", parseUs)
                .field("queue_us", t.queueUs())
                .field("server_us", serverUs)
                .field("fsync_us", t.fsyncUs())
                .field("replicate_us", t.replicateUs())
                .endObject();
        }
    }

    /**
     * Fails {@code answer} with a timeout (504) if it is still open after {@code ms}: a safety
     * net behind the partition's own deadline. The timer lives on the connection's event loop,
     * where scheduling and cancelling it are plain queue operations; {@code orTimeout} went through
     * a shared delay-scheduler thread with a wake-up per request.
     */
    private static <T> CompletableFuture<T> answerWithin(CompletableFuture<T> answer, long ms, Exchange ex) {
        if (answer.isDone()) {
            return answer;
        }
        ScheduledFuture<?> timer = ex.ctx.executor().schedule(
            () -> answer.completeExceptionally(new TimeoutException("no answer from the partition in " + ms + " ms")),
            ms, TimeUnit.MILLISECONDS);
        answer.whenComplete((r, e) -> timer.cancel(false));
        return answer;
    }

    private static long micros(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - sinceNanos);
    }

    private Acks acks(Exchange ex) {
        String v = ex.param("acks");
        if (v == null) {
            return api.config().defaultAcks();
        }
        return switch (v) {
            case "leader" -> Acks.LEADER;
            case "majority" -> Acks.MAJORITY;
            case "all" -> Acks.ALL;
            default -> throw ApiException.badRequest("invalid_parameter",
                "acks must be leader, majority or all, got '" + Exchange.abbreviate(v) + "'");
        };
    }

    private long timeoutMs(Exchange ex) {
        return ex.longParam("timeout_ms", 1, api.config().maxTimeoutMs(), api.config().defaultTimeoutMs());
    }

    static void checkIdempotencyKey(String key, int bytesMax) {
        int len = key.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0 || len > bytesMax) {
            throw ApiException.badRequest("invalid_idempotency_key", "idempotency_key must be 1 to " + bytesMax
                + " bytes of UTF-8, got " + len);
        }
    }

    /**
     * Stable across restarts, nodes and versions (CRC32C, not {@code hashCode}), so a key keeps
     * its partition and its records stay in order.
     */
    static int hash(byte[] key, int partitions) {
        var crc = new CRC32C();
        crc.update(key);
        return (int) (crc.getValue() % partitions);
    }

    private int nextRoundRobin(Broker.TopicSpec spec) {
        int n = roundRobin.computeIfAbsent(spec.name(), t -> new AtomicInteger()).getAndIncrement();
        return Math.floorMod(n, spec.partitions());
    }
}
