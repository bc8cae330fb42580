package io.cairn.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;
import java.util.UUID;

/**
 * A Cairn client. Thread-safe; share one per application.
 *
 * <pre>{@code
 * CairnClient c = CairnClient.connect("http://127.0.0.1:7001", "http://127.0.0.1:7002");
 * ProduceResult r = c.produce("orders", "hello".getBytes(UTF_8), ProduceOptions.defaults());
 * ConsumeResult page = c.consume("orders", "billing", r.partition(), ConsumeOptions.from(0));
 * }</pre>
 *
 * <p>Every write carries an idempotency key (generated when the caller gives none), so when an
 * answer is lost the client can resend the very same request: the server either applies it once or
 * answers {@code duplicate:true} with the first offset. A call that cannot settle this within its
 * budget throws {@link CairnOutcomeUnknownException}, never a definite failure.
 */
public final class CairnClient {
    private final CairnClientConfig config;
    private final Transport transport;

    public CairnClient(CairnClientConfig config) {
        this(config, Sleeper.REAL);
    }

    CairnClient(CairnClientConfig config, Sleeper sleeper) {
        this.config = config;
        this.transport = new Transport(config, sleeper);
    }

    /** A client with default settings over the given node URLs. */
    public static CairnClient connect(String... nodeUrls) {
        return new CairnClient(CairnClientConfig.builder().nodes(List.of(nodeUrls)).build());
    }

    public CairnClientConfig config() {
        return config;
    }

    // ---- produce ----

    /** Appends one record; returns once the write concern is met. */
    public ProduceResult produce(String topic, byte[] value, ProduceOptions options) {
        String idem = options.idempotencyKey() != null ? options.idempotencyKey() : UUID.randomUUID().toString();
        Query q = new Query();
        q.add("partition", options.partition());
        q.add("key", options.key());
        q.add("idempotency_key", idem);
        q.add("acks", options.acks() == null ? null : options.acks().wire());
        q.add("timeout_ms", options.timeoutMs());
        Transport.Answer a = transport.execute(new Transport.Call("POST",
                "/broker/topics/" + enc(topic) + "/produce" + q, value, "application/octet-stream",
                Transport.Kind.SAFE_WRITE, idem, serverWait(options.timeoutMs())));
        JsonNode j = a.json();
        return new ProduceResult(text(j, "topic", topic), j.path("partition").asInt(), need(j, "offset").asLong(),
                j.path("duplicate").asBoolean(false), idem, a.attempts(), a.ambiguousAttempts(), a.nodeUrl());
    }

    public ProduceResult produce(String topic, String value, ProduceOptions options) {
        return produce(topic, value.getBytes(StandardCharsets.UTF_8), options);
    }

    /**
     * Appends a batch as one atomic write into one partition ({@code produce-ndjson?envelope=1}).
     * Records without an idempotency key get a generated one so a resend after a lost answer is deduped.
     */
    public BatchResult produceBatch(String topic, List<BatchRecord> records, Integer partition, Acks acks, Integer timeoutMs) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one record");
        }
        List<String> keys = new ArrayList<>(records.size());
        StringBuilder body = new StringBuilder();
        for (BatchRecord r : records) {
            String idem = r.idempotencyKey() != null ? r.idempotencyKey() : UUID.randomUUID().toString();
            keys.add(idem);
            ObjectNode line = Transport.JSON.createObjectNode();
            if (r.value() != null) {
                line.put("value", r.value());
            } else {
                line.put("value_b64", Base64.getEncoder().encodeToString(r.valueBytes()));
            }
            if (r.key() != null) {
                line.put("key", r.key());
            }
            line.put("idempotency_key", idem);
            body.append(line).append('\n');
        }
        Query q = new Query();
        q.add("envelope", 1);
        q.add("partition", partition);
        q.add("acks", acks == null ? null : acks.wire());
        q.add("timeout_ms", timeoutMs);
        Transport.Answer a = transport.execute(new Transport.Call("POST",
                "/broker/topics/" + enc(topic) + "/produce-ndjson" + q, body.toString().getBytes(StandardCharsets.UTF_8),
                "application/x-ndjson", Transport.Kind.SAFE_WRITE, keys.get(0), serverWait(timeoutMs)));
        JsonNode j = a.json();
        List<BatchResult.Entry> entries = new ArrayList<>();
        for (JsonNode e : j.path("results")) {
            entries.add(new BatchResult.Entry(need(e, "offset").asLong(), e.path("duplicate").asBoolean(false)));
        }
        if (entries.size() != records.size()) {
            throw new CairnException("batch of " + records.size() + " records answered with " + entries.size() + " results");
        }
        return new BatchResult(topic, j.path("partition").asInt(), j.path("first_offset").asLong(entries.get(0).offset()),
                j.path("count").asInt(entries.size()), List.copyOf(entries), List.copyOf(keys),
                a.attempts(), a.ambiguousAttempts(), a.nodeUrl());
    }

    // ---- consume and commit ----

    /** Reads a page of one partition; with {@code waitMs} it long-polls when nothing is available. */
    public ConsumeResult consume(String topic, String group, int partition, ConsumeOptions options) {
        Query q = new Query();
        q.add("offset", options.offset());
        q.add("limit", options.limit());
        q.add("max_bytes", options.maxBytes());
        q.add("wait_ms", options.waitMs());
        q.add("encoding", "b64");
        Transport.Answer a = transport.execute(new Transport.Call("GET",
                "/broker/consume/" + enc(topic) + "/" + enc(group) + "/" + partition + q, null, null,
                Transport.Kind.READ, null, options.waitMs() == null ? null : Duration.ofMillis(options.waitMs())));
        JsonNode j = a.json();
        List<Message> messages = new ArrayList<>();
        for (JsonNode m : j.path("messages")) {
            messages.add(new Message(need(m, "offset").asLong(), m.path("partition").asInt(partition),
                    m.path("timestamp").asLong(), bytes(m, "key"), bytesOrEmpty(m, "value")));
        }
        return new ConsumeResult(List.copyOf(messages), j.path("next_offset").asLong(),
                j.hasNonNull("committed_offset") ? j.get("committed_offset").asLong() : -1,
                j.path("high_watermark").asLong(-1), j.path("log_start").asLong(0),
                j.path("reset").asBoolean(false), a.nodeUrl());
    }

    /** Commits {@code offset} as the group's last processed record of the partition. */
    public CommitResult commit(String topic, String group, int partition, long offset) {
        ObjectNode body = Transport.JSON.createObjectNode()
                .put("topic", topic).put("group", group).put("partition", partition).put("offset", offset);
        Transport.Answer a = transport.execute(new Transport.Call("POST", "/broker/commit", bytes(body),
                "application/json", Transport.Kind.SAFE_WRITE, null, null));
        return new CommitResult(need(a.json(), "committed_offset").asLong(), a.json().path("advanced").asBoolean(false), a.nodeUrl());
    }

    // ---- topics ----

    public TopicCreated createTopic(String name, int partitions, Integer replicationFactor) {
        ObjectNode body = Transport.JSON.createObjectNode().put("name", name).put("partitions", partitions);
        if (replicationFactor != null) {
            body.put("replication_factor", replicationFactor);
        }
        Transport.Answer a = transport.execute(new Transport.Call("POST", "/broker/topics", bytes(body),
                "application/json", Transport.Kind.SAFE_WRITE, null, null));
        JsonNode j = a.json();
        return new TopicCreated(text(j, "topic", name), j.path("partitions").asInt(partitions),
                j.path("replication_factor").asInt(replicationFactor == null ? 0 : replicationFactor), a.status() == 201);
    }

    public List<TopicSummary> listTopics() {
        JsonNode j = get("/broker/topics");
        List<TopicSummary> out = new ArrayList<>();
        for (JsonNode t : j.path("topics")) {
            out.add(new TopicSummary(t.path("name").asText(), t.path("partitions").asInt()));
        }
        return out;
    }

    /** The topic's description as the node returns it (partitions with leader, log start, high watermark, replicas). */
    public JsonNode describeTopic(String name) {
        return get("/broker/topics/" + enc(name));
    }

    // ---- cluster ----

    /** {@code GET /cluster}: node id, nodes and roles, leaders and commit indexes. */
    public ClusterInfo cluster() {
        Transport.Answer a = transport.execute(new Transport.Call("GET", "/cluster", null, null, Transport.Kind.READ, null, null));
        return new ClusterInfo(a.json(), a.nodeUrl());
    }

    /**
     * {@code GET /ready} on the first node only, without retries: true on 200, false on 503 or when
     * the node cannot be reached. Meant for polling a node until it serves.
     */
    public boolean ready() {
        CairnClientConfig single = new CairnClientConfig(List.of(config.nodes().get(0)), config.connectTimeout(),
                config.requestTimeout(), config.requestTimeout(), 1, 0, config.retryAfterMax(), Duration.ZERO,
                Duration.ZERO, false, false, config.token(), true);
        try {
            new Transport(single, d -> { }).execute(new Transport.Call("GET", "/ready", null, null, Transport.Kind.READ, null, null));
            return true;
        } catch (CairnException e) {
            return false;
        }
    }

    private JsonNode get(String path) {
        return transport.execute(new Transport.Call("GET", path, null, null, Transport.Kind.READ, null, null)).json();
    }

    /** The server may legitimately hold a produce for its whole {@code timeout_ms}; wait that long on top. */
    private static Duration serverWait(Integer timeoutMs) {
        return Duration.ofMillis(timeoutMs != null ? timeoutMs : 5000);
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return Transport.JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode need(JsonNode j, String field) {
        JsonNode n = j.get(field);
        if (n == null || n.isNull()) {
            throw new CairnException("answer lacks field '" + field + "': " + j);
        }
        return n;
    }

    private static String text(JsonNode j, String field, String fallback) {
        String t = Transport.text(j, field);
        return t == null ? fallback : t;
    }

    /** Reads {@code name} (UTF-8 text) or {@code name_b64}; null when neither is present. */
    private static byte[] bytes(JsonNode m, String name) {
        if (m.hasNonNull(name + "_b64")) {
            return Base64.getDecoder().decode(m.get(name + "_b64").asText());
        }
        if (m.hasNonNull(name)) {
            return m.get(name).asText().getBytes(StandardCharsets.UTF_8);
        }
        return null;
    }

    private static byte[] bytesOrEmpty(JsonNode m, String name) {
        byte[] b = bytes(m, name);
        return b == null ? new byte[0] : b;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Builds a query string, skipping null values. */
    private static final class Query {
        private final StringJoiner joiner = new StringJoiner("&", "?", "").setEmptyValue("");

        void add(String name, Object value) {
            if (value != null) {
                joiner.add(name + "=" + enc(String.valueOf(value)));
            }
        }

        @Override
        public String toString() {
            return joiner.toString();
        }
    }
}
