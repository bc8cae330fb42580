package io.cairn.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 4's crash test: a real node process under concurrent producers (every record with an
 * idempotency key) and a committer is SIGKILLed mid-load, restarted, and checked; several times
 * in one test. Every acknowledged record must be at its acknowledged offset with its bytes,
 * offsets must be dense, retries must come back as duplicates at the original offsets, and the
 * committed group offset must never move backwards.
 */
class CrashIT {
    static final int PARTITIONS = 2;
    static final int PRODUCERS = 8;
    static final int ROUNDS = 3;
    /** Acknowledgements per round before the kill; bounds the test's run time. */
    static final int ACKS_PER_ROUND = 300;

    @TempDir
    Path dir;

    record Ack(int partition, long offset, String value) {}

    @Test
    void acknowledgedWritesAndCommitsSurviveRepeatedSigkill() throws Exception {
        int port = NodeProcess.freePort();
        Files.writeString(dir.resolve("cairn.properties"), "host=127.0.0.1\nport=" + port + "\ndata.dir=store\n");
        var http = new Http("http://127.0.0.1:" + port);
        Map<String, Ack> acked = new ConcurrentHashMap<>();
        long[] committed = new long[PARTITIONS];
        java.util.Arrays.fill(committed, -1);
        AtomicLong seq = new AtomicLong();

        for (int round = 0; round < ROUNDS; round++) {
            var node = NodeProcess.start(dir, Map.of(), "start");
            try {
                awaitReady(node, http);
                if (round == 0) {
                    assertThat(http.createTopic("c", PARTITIONS).status()).isEqualTo(201);
                } else {
                    verify(http, acked, committed);
                }
                load(http, acked, committed, seq, round);
            } finally {
                node.kill(); // SIGKILL while producers and the committer are still running
            }
        }
        var node = NodeProcess.start(dir, Map.of(), "start");
        try {
            awaitReady(node, http);
            verify(http, acked, committed);
        } finally {
            node.kill();
        }
    }

    /** Runs producers and a committer until ACKS_PER_ROUND more acks, then returns with them still running. */
    private void load(Http http, Map<String, Ack> acked, long[] committed, AtomicLong seq, int round) throws Exception {
        var stop = new AtomicBoolean();
        int target = acked.size() + ACKS_PER_ROUND;
        var reached = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < PRODUCERS; t++) {
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    String key = "r" + round + "-" + seq.incrementAndGet();
                    String value = "value-of-" + key;
                    Http.Reply r;
                    try {
                        r = http.produce("c", "idempotency_key=" + key, value);
                    } catch (AssertionError connectionLost) {
                        return; // the node was killed
                    }
                    if (r.status() == 200) {
                        JsonNode j = r.json();
                        acked.put(key, new Ack(j.path("partition").asInt(), j.path("offset").asLong(), value));
                        if (acked.size() >= target) {
                            reached.countDown();
                        }
                    }
                }
            }));
        }
        threads.add(Thread.ofPlatform().daemon().start(() -> {
            while (!stop.get()) {
                for (int p = 0; p < PARTITIONS; p++) {
                    long hw;
                    Http.Reply r;
                    try {
                        hw = http.get("/broker/topics/c").json().path("partitions").get(p).path("high_watermark").asLong();
                        if (hw == 0) {
                            continue;
                        }
                        r = http.postJson("/broker/commit",
                            "{\"topic\":\"c\",\"group\":\"g\",\"partition\":" + p + ",\"offset\":" + (hw - 1) + "}");
                    } catch (AssertionError connectionLost) {
                        return;
                    }
                    if (r.status() == 200) {
                        synchronized (committed) {
                            committed[p] = Math.max(committed[p], r.json().path("committed_offset").asLong());
                        }
                    }
                }
            }
        }));
        boolean ok = reached.await(120, TimeUnit.SECONDS);
        stop.set(true);
        assertThat(ok).as("producers reached %s acknowledgements", target).isTrue();
    }

    private void verify(Http http, Map<String, Ack> acked, long[] committed) {
        for (int p = 0; p < PARTITIONS; p++) {
            var byOffset = new java.util.HashMap<Long, String>();
            long next = 0;
            long hw;
            do {
                JsonNode page = http.consume("c", "verify", p, "offset=" + next + "&limit=1000").json();
                hw = page.path("high_watermark").asLong();
                for (JsonNode m : page.path("messages")) {
                    assertThat(m.path("offset").asLong()).as("offsets are dense").isEqualTo(next);
                    byOffset.put(next, m.path("value").asText());
                    next++;
                }
            } while (next < hw);
            assertThat(next).isEqualTo(hw);
            for (Ack a : acked.values()) {
                if (a.partition() == p) {
                    assertThat(byOffset.get(a.offset())).as("acknowledged record at %s/%s", p, a.offset()).isEqualTo(a.value());
                }
            }
            long now = http.consume("c", "g", p, "limit=1").json().path("committed_offset").asLong();
            assertThat(now).as("committed offset of partition %s did not move backwards", p).isGreaterThanOrEqualTo(committed[p]);
        }
        // Retrying acknowledged writes with their keys returns the original offsets.
        int checked = 0;
        for (var e : acked.entrySet()) {
            if (checked++ == 50) {
                break;
            }
            JsonNode r = http.produce("c", "idempotency_key=" + e.getKey(), e.getValue().value()).json();
            assertThat(r.path("duplicate").asBoolean()).as("retry of %s", e.getKey()).isTrue();
            assertThat(r.path("partition").asInt()).isEqualTo(e.getValue().partition());
            assertThat(r.path("offset").asLong()).isEqualTo(e.getValue().offset());
        }
    }

    private static void awaitReady(NodeProcess node, Http http) {
        Await.until("the node answers /ready", Duration.ofSeconds(60), () -> {
            if (!node.process.isAlive()) {
                throw new AssertionError("cairn exited");
            }
            try {
                return http.send(http.request("/ready").GET().build()).status() == 200;
            } catch (AssertionError connectionRefused) {
                return false;
            }
        });
    }
}
