package io.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user creates (or deletes) a topic through one node and at once uses it through the others:
 * three real node processes on loopback, nothing waited for between the 2xx and the next request.
 * A node that has not applied the change yet must not answer 404 for a topic that exists, nor
 * accept a write into a topic whose deletion was already acknowledged (README-cluster.md, "Topic
 * changes are seen on every node").
 */
class TopicVisibilityIT {
    /** Topics created and deleted; each is one chance for a node to lag the metadata leader. */
    static final int TOPICS = 50;
    /** A 503 (partition still electing its leader) is a legitimate "retry"; this bounds the retries. */
    static final Duration RETRY_503_WITHIN = Duration.ofSeconds(10);

    @TempDir Path dir;
    private LocalCluster cluster;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    /** Which 503s were retried, by error code: the output says what a client had to wait for. */
    private final ConcurrentHashMap<String, AtomicInteger> codes503 = new ConcurrentHashMap<>();

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        if (cluster != null) cluster.close();
    }

    @Test
    void aTopicCreatedOnOneNodeIsUsableAtOnceOnEveryOtherAndGoneAtOnceAfterItsDelete() throws Exception {
        cluster = new LocalCluster(3, dir);
        cluster.startAll();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicInteger retried503 = new AtomicInteger();
        for (int n = 0; n < TOPICS; n++) {
            String topic = "vis" + n;
            // Replication factor 1, 2 and 3 in turn: nodes without a replica redirect to one that
            // has it, which must know the topic too.
            int rf = 1 + n % 3;
            int partitions = 1 + n % 2;
            AtomicReference<LocalCluster.Reply> reply = new AtomicReference<>();
            AtomicInteger createdOn = new AtomicInteger();
            LocalCluster.await(() -> {
                createdOn.set(metadataLeader());
                LocalCluster.Reply r = cluster.request("POST", cluster.url(createdOn.get()) + "/broker/topics",
                        "{\"name\":\"" + topic + "\",\"partitions\":" + partitions + ",\"replication_factor\":" + rf + "}",
                        Duration.ofSeconds(15));
                reply.set(r);
                // No answer or 307: the metadata leader moved between the lookup and the create.
                // 503: the new cluster has not committed its node list yet (bootstrapping), or the
                // leadership is changing. Ask again, within the bound of await.
                return r != null && r.status() != 307 && r.status() != 503;
            }, () -> "an answer to creating " + topic + "; last: " + reply.get());
            LocalCluster.Reply created = reply.get();
            assertThat(created.status()).as("create %s: %s", topic, created).isEqualTo(201);
            int leader = createdOn.get();
            // At once, in parallel: produce and consume through each of the two other nodes.
            List<CompletableFuture<Void>> uses = new ArrayList<>();
            for (int k = 1; k < cluster.size; k++) {
                int node = (leader + k) % cluster.size;
                for (int p = 0; p < partitions; p++) {
                    int partition = p;
                    uses.add(CompletableFuture.runAsync(() -> expect200("produce", topic, node, "POST",
                            "/broker/topics/" + topic + "/produce?partition=" + partition + "&idempotency_key=k" + node + "-" + partition,
                            "v" + node, problems, retried503), pool));
                    uses.add(CompletableFuture.runAsync(() -> expect200("consume", topic, node, "GET",
                            "/broker/consume/" + topic + "/g/" + partition, null, problems, retried503), pool));
                }
            }
            CompletableFuture.allOf(uses.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }

        for (int n = 0; n < TOPICS; n++) {
            String topic = "vis" + n;
            int leader = metadataLeader();
            LocalCluster.Reply deleted = cluster.request("DELETE", cluster.url(leader) + "/broker/topics/" + topic, null,
                    Duration.ofSeconds(15));
            if (deleted == null || deleted.status() == 307) {
                n--;
                continue;
            }
            assertThat(deleted.status()).as("delete %s: %s", topic, deleted).isEqualTo(200);
            List<CompletableFuture<Void>> uses = new ArrayList<>();
            for (int k = 1; k < cluster.size; k++) {
                int node = (leader + k) % cluster.size;
                uses.add(CompletableFuture.runAsync(() -> expect404AfterDelete(topic, node, problems, retried503), pool));
            }
            CompletableFuture.allOf(uses.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
        System.out.printf("TopicVisibilityIT: %d topics, %d answers retried after 503 %s, %d violations;"
                + " read-index requests answered per node (how often a node asked before a 404): %s%n", TOPICS,
                retried503.get(), codes503, problems.size(), readIndexRequests());
        assertThat(problems).as("%d requests got a wrong answer", problems.size()).isEmpty();
    }

    /** A request that must succeed: 404 is a violation at once; 503 is retried (bounded), as a client would. */
    private void expect200(String what, String topic, int node, String method, String path, String body,
                           ConcurrentLinkedQueue<String> problems, AtomicInteger retried503) {
        LocalCluster.Reply r = retrying503(node, method, path, body, retried503);
        if (r == null || r.status() != 200) {
            problems.add(what + " " + topic + " through " + cluster.ids[node] + " right after its create: " + r);
        }
    }

    /** After a 2xx delete, a produce through any node must not be accepted: 404 (a 503 is retried, bounded). */
    private void expect404AfterDelete(String topic, int node, ConcurrentLinkedQueue<String> problems, AtomicInteger retried503) {
        LocalCluster.Reply r = retrying503(node, "POST", "/broker/topics/" + topic + "/produce?partition=0", "after-delete",
                retried503);
        if (r == null || r.status() != 404) {
            problems.add("produce to " + topic + " through " + cluster.ids[node] + " right after its delete: " + r);
        }
    }

    /**
     * One request through node {@code node} (following redirects), asked again after each 503 for
     * up to {@link #RETRY_503_WITHIN}, as a client honouring Retry-After would; the last answer.
     */
    private LocalCluster.Reply retrying503(int node, String method, String path, String body, AtomicInteger retried503) {
        long deadline = System.nanoTime() + RETRY_503_WITHIN.toNanos();
        // Bounded by RETRY_503_WITHIN.
        while (true) {
            LocalCluster.Reply r = cluster.follow(method, cluster.url(node) + path, body, Duration.ofSeconds(15));
            if (r == null || r.status() != 503 || System.nanoTime() >= deadline) return r;
            retried503.incrementAndGet();
            codes503.computeIfAbsent(r.body() == null ? "?" : r.body().path("error").asText("?"),
                    c -> new AtomicInteger()).incrementAndGet();
            LockSupport.parkNanos(20_000_000);
        }
    }

    /** {@code cairn_http_requests_total} lines of the internal read-index route, per node (for the output only). */
    private List<String> readIndexRequests() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < cluster.size; i++) {
            java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(cluster.url(i) + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build();
            String id = cluster.ids[i];
            try {
                String text = cluster.http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                text.lines().filter(l -> l.startsWith("cairn_http_requests_total") && l.contains("read-index"))
                        .forEach(l -> out.add(id + " " + l));
            } catch (java.io.IOException e) {
                out.add(cluster.ids[i] + " unreachable");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return out;
    }

    /** The metadata leader as some live node reports it. */
    private int metadataLeader() {
        int[] found = {-1};
        LocalCluster.await(() -> {
            for (int i = 0; i < cluster.size; i++) {
                LocalCluster.Reply r = cluster.get(i, "/cluster");
                if (r == null || !r.ok()) continue;
                String id = r.body().path("metadata").path("leader").asText(null);
                if (id != null) {
                    found[0] = cluster.indexOf(id);
                    return true;
                }
            }
            return false;
        }, () -> "a metadata leader");
        return found[0];
    }
}
