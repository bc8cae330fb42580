package io.cairn.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Real node processes on loopback for cluster integration tests: each node is a separate JVM
 * running {@code Main start} with the shared {@code --peers} list, exactly as a production node
 * runs. Ports are picked free; {@link #close()} kills every process started.
 */
final class LocalCluster implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(60);

    /** One HTTP answer: status, parsed JSON body (or null), Location header (or null). */
    record Reply(int status, JsonNode body, String location) {
        boolean ok() { return status == 200 || status == 201; }
    }

    final int size;
    final Path dir;
    final String clusterId = "it-" + UUID.randomUUID();
    final String[] ids;
    final int[] httpPorts;
    final int[] peerPorts;
    final Process[] processes;
    final List<Process> everyProcess = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private String peersFlag;
    /** Extra flags for every node's start command. */
    final List<String> nodeArgs = new ArrayList<>();

    LocalCluster(int size, Path dir) throws IOException {
        this.size = size;
        this.dir = dir;
        this.ids = new String[size];
        this.httpPorts = new int[size];
        this.peerPorts = new int[size];
        this.processes = new Process[size];
        for (int i = 0; i < size; i++) {
            ids[i] = "n" + (i + 1);
            httpPorts[i] = freePort();
            peerPorts[i] = freePort();
        }
        peersFlag = peers(size);
    }

    String peers(int count) {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            items.add(ids[i] + "=127.0.0.1:" + peerPorts[i] + "@" + url(i));
        }
        return String.join(",", items);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    String url(int i) {
        return "http://127.0.0.1:" + httpPorts[i];
    }

    int indexOf(String id) {
        for (int i = 0; i < size; i++) if (ids[i].equals(id)) return i;
        throw new IllegalArgumentException("no node " + id);
    }

    void startAll() throws IOException {
        for (int i = 0; i < size; i++) start(i);
        for (int i = 0; i < size; i++) awaitReady(i);
    }

    void start(int i) throws IOException {
        start(i, peersFlag, Map.of());
    }

    /** Starts node {@code i} (a fresh JVM) with the given peers list and extra environment. */
    void start(int i, String peers, Map<String, String> env) throws IOException {
        start(i, peers, env, List.of());
    }

    /** Starts node {@code i} with extra flags after the shared ones (e.g. {@code --join}). */
    void start(int i, String peers, Map<String, String> env, List<String> extraArgs) throws IOException {
        Path data = dir.resolve(ids[i]);
        Files.createDirectories(data);
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "io.cairn.server.cli.Main", "start",
                "--node-id", ids[i], "--host", "127.0.0.1", "--port", Integer.toString(httpPorts[i]),
                "--peer-port", Integer.toString(peerPorts[i]), "--data-dir", data.toString(), "--peers", peers));
        cmd.addAll(nodeArgs);
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("node.log").toFile()));
        pb.environment().put("CAIRN_CLUSTER_ID", clusterId);
        pb.environment().putAll(env);
        Process p = pb.start();
        processes[i] = p;
        everyProcess.add(p);
    }

    /** SIGKILL: no shutdown hook runs, unsynced data is at the mercy of the page cache, as in a crash. */
    void kill(int i) throws InterruptedException {
        Process p = processes[i];
        if (p == null) return;
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("node " + ids[i] + " did not die");
        processes[i] = null;
    }

    boolean alive(int i) {
        return processes[i] != null && processes[i].isAlive();
    }

    void awaitReady(int i) {
        await(() -> {
            if (processes[i] != null && !processes[i].isAlive()) {
                throw new AssertionError("node " + ids[i] + " exited with " + processes[i].exitValue() + "; log:\n" + tail(i));
            }
            Reply r = get(i, "/ready");
            return r != null && r.status() == 200;
        }, () -> "node " + ids[i] + " ready; log:\n" + tail(i));
    }

    String tail(int i) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(ids[i]).resolve("node.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** One request; null when the node cannot be reached (down, or the request timed out). */
    Reply request(String method, String url, String body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = r.body().isEmpty() ? null : JSON.readTree(r.body());
            return new Reply(r.statusCode(), json, r.headers().firstValue("location").orElse(null));
        } catch (ConnectException | HttpTimeoutException e) {
            return null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Reply get(int i, String path) {
        return request("GET", url(i) + path, null, Duration.ofSeconds(5));
    }

    /** Follows up to 4 redirects, like {@code curl -L}. */
    Reply follow(String method, String url, String body, Duration timeout) {
        Reply r = request(method, url, body, timeout);
        for (int hop = 0; hop < 4 && r != null && r.status() == 307; hop++) {
            r = request(method, r.location(), body, timeout);
        }
        return r;
    }

    /** Creates a topic through any live node, retrying redirects and 503 until it exists. */
    void createTopic(String name, int partitions, int rf) {
        String body = "{\"name\":\"" + name + "\",\"partitions\":" + partitions + ",\"replication_factor\":" + rf + "}";
        await(() -> {
            for (int i = 0; i < size; i++) {
                if (!alive(i)) continue;
                Reply r = follow("POST", url(i) + "/broker/topics", body, Duration.ofSeconds(15));
                if (r != null && r.ok()) return true;
            }
            return false;
        }, () -> "topic " + name + " created");
        // No wait for the other nodes to apply it: one that has not yet asks the metadata leader
        // before it answers 404 (README-cluster.md, TopicVisibilityIT), so any node may be used now.
    }

    /** The current leader of a partition as a live node reports it, or null. */
    String leaderOf(String topic, int partition) {
        for (int i = 0; i < size; i++) {
            if (!alive(i)) continue;
            Reply r = get(i, "/broker/topics/" + topic);
            if (r == null || !r.ok()) continue;
            JsonNode leader = r.body().path("partitions").path(partition).path("leader");
            if (!leader.isNull() && !leader.isMissingNode() && alive(indexOf(leader.asText()))) return leader.asText();
        }
        return null;
    }

    /** Every record of a partition as node {@code i} serves it: offset → value. */
    Map<Long, String> consumeAll(int i, String topic, int partition) {
        Map<Long, String> out = new LinkedHashMap<>();
        long offset = 0;
        // Bounded by the partition's high watermark, read in pages of up to 10,000 records.
        for (int page = 0; page < 10_000; page++) {
            Reply r = get(i, "/broker/consume/" + topic + "/it/" + partition + "?offset=" + offset + "&limit=10000");
            if (r == null || !r.ok()) throw new AssertionError("consume from " + ids[i] + " failed: " + r);
            for (JsonNode m : r.body().path("messages")) out.put(m.path("offset").asLong(), m.path("value").asText());
            long next = r.body().path("next_offset").asLong();
            if (r.body().path("count").asInt() == 0 || next >= r.body().path("high_watermark").asLong()) break;
            offset = next;
        }
        return out;
    }

    long highWatermark(int i, String topic, int partition) {
        Reply r = get(i, "/broker/topics/" + topic);
        if (r == null || !r.ok()) return -1;
        return r.body().path("partitions").path(partition).path("high_watermark").asLong(-1);
    }

    static void await(BooleanSupplier condition, Supplier<String> what) {
        await(condition, what, WAIT);
    }

    static void await(BooleanSupplier condition, Supplier<String> what, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        // Bounded by the deadline; re-checks every 50 ms.
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + within + " waiting for: " + what.get());
            LockSupport.parkNanos(50_000_000);
        }
    }

    /**
     * Produces one record with an idempotency key until some node acknowledges it, following
     * redirects and retrying 503/504/unreachable with the same key (safe by API.md). Returns the
     * acknowledged offset, or -1 if no node acknowledged it within the deadline.
     */
    long produce(String topic, int partition, String value, String key, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        // Bounded by the deadline.
        for (int round = 0; System.nanoTime() < deadline; round++) {
            for (int k = 0; k < size; k++) {
                int i = (round + k) % size;
                if (!alive(i)) continue;
                String url = url(i) + "/broker/topics/" + topic + "/produce?partition=" + partition
                        + "&timeout_ms=2000&idempotency_key=" + java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8);
                Reply r = follow("POST", url, value, Duration.ofSeconds(5));
                if (r != null && r.status() == 200) return r.body().path("offset").asLong();
                if (r != null && r.status() >= 400 && r.status() < 500 && r.status() != 429) {
                    throw new AssertionError("produce refused: " + r);
                }
            }
            LockSupport.parkNanos(20_000_000);
        }
        return -1;
    }

    /** Partition → leader id as node {@code i} reports it (null entries when unknown). */
    List<String> leaders(int i, String topic) {
        Reply r = get(i, "/broker/topics/" + topic);
        List<String> out = new ArrayList<>();
        if (r == null || !r.ok()) return out;
        for (JsonNode p : r.body().path("partitions")) {
            JsonNode l = p.path("leader");
            out.add(l.isNull() || l.isMissingNode() ? null : l.asText());
        }
        return out;
    }

    @Override
    public void close() {
        for (Process p : everyProcess) p.destroyForcibly();
        for (Process p : everyProcess) {
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
