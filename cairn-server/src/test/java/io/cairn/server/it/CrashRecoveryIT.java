package io.cairn.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash test of issue 4: a real node process under concurrent produce (every record with an
 * idempotency key) and commit load is SIGKILLed mid-load and restarted, several times in one
 * test. After every restart:
 * <ul>
 *   <li>every acknowledged record is at its acknowledged offset with its bytes;</li>
 *   <li>each partition's offsets are dense from 0 to the high watermark;</li>
 *   <li>retrying any key answers {@code duplicate:true} with the original offset (and a key whose
 *       produce had no answer is either a duplicate or written now, never twice);</li>
 *   <li>committed group offsets never went backwards and hold every acknowledged commit.</li>
 * </ul>
 */
class CrashRecoveryIT {
    private static final String TOPIC = "crash";
    private static final int PARTITIONS = 2;
    private static final int PRODUCERS = 4;
    private static final int KILLS = 4;
    /** Acknowledged produces to wait for in each round before the kill, so it lands mid-load. */
    private static final int ACKS_PER_ROUND = 150;
    private static final String GROUP = "cg";

    @TempDir
    Path dir;

    private NodeProcess node;

    /** Acknowledged records: idempotency key → where it landed and its bytes. */
    private final Map<String, Acked> acked = new ConcurrentHashMap<>();
    /** Keys whose produce got no definite answer (killed mid-request, 5xx, 504). */
    private final Map<String, Attempt> unknown = new ConcurrentHashMap<>();
    /** Per partition: the highest commit the node acknowledged, and the highest seen afterwards. */
    private final long[] ackedCommit = {-1, -1};
    private final long[] observedCommit = {-1, -1};

    record Attempt(int partition, String value) {}

    record Acked(int partition, long offset, String value) {}

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private Http startNode(int port) throws Exception {
        node = NodeProcess.start(dir, Map.of(), "start", "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--data-dir", "data");
        Http http = new Http("http://127.0.0.1:" + port);
        Await.until("the node answers /ready", Duration.ofSeconds(90), () -> {
            if (!node.process.isAlive()) {
                throw new AssertionError("cairn exited: " + stderr());
            }
            try {
                return http.send(http.request("/ready").GET().build()).status() == 200;
            } catch (AssertionError connectionRefused) {
                return false;
            }
        });
        return http;
    }

    private String stderr() {
        try {
            return node.stderr();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void acknowledgedWritesSurviveRepeatedSigkillMidLoad() throws Exception {
        int port = NodeProcess.freePort();
        Http http = startNode(port);
        assertThat(http.createTopic(TOPIC, PARTITIONS).status()).isIn(200, 201);
        AtomicInteger sequence = new AtomicInteger();

        for (int round = 1; round <= KILLS; round++) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger roundAcks = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> bugs = new ConcurrentLinkedQueue<>();
            List<Thread> load = new ArrayList<>();
            Http client = http;
            for (int t = 0; t < PRODUCERS; t++) {
                int id = t;
                int r = round;
                load.add(new Thread(() -> produceLoop(client, id, r, sequence, stop, roundAcks, bugs), "producer-" + t));
            }
            load.add(new Thread(() -> commitLoop(client, stop, bugs), "committer"));
            load.forEach(Thread::start);

            Await.until("round " + round + " has " + ACKS_PER_ROUND + " acknowledged produces", Duration.ofSeconds(60),
                    () -> roundAcks.get() >= ACKS_PER_ROUND || !bugs.isEmpty());
            node.process.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no final fsync.
            node.process.waitFor();
            stop.set(true);
            for (Thread th : load) {
                th.join(60_000);
                assertThat(th.isAlive()).as("%s stopped", th.getName()).isFalse();
            }
            assertThat(bugs).as("answers that contradict the API during round %d", round).isEmpty();

            http = startNode(port);
            verifyEverything(http, round);
        }
        System.out.printf("crash test: %d SIGKILLs, %d acknowledged records, %d unanswered produces resolved, "
                + "committed offsets %d/%d%n", KILLS, acked.size(), unknownResolved.get(), ackedCommit[0], ackedCommit[1]);
    }

    private final AtomicInteger unknownResolved = new AtomicInteger();

    private void produceLoop(Http http, int id, int round, AtomicInteger sequence, AtomicBoolean stop,
                             AtomicInteger roundAcks, ConcurrentLinkedQueue<Throwable> bugs) {
        SplittableRandom random = new SplittableRandom(round * 1000L + id);
        // Bounded: the round ends with the kill long before this, and a dead node fails fast.
        for (int i = 0; i < 100_000 && !stop.get(); i++) {
            int seq = sequence.incrementAndGet();
            String key = "k" + seq;
            int partition = seq % PARTITIONS;
            String value = "v" + seq + "-" + Long.toHexString(random.nextLong()) + "-" + "x".repeat(random.nextInt(64));
            unknown.put(key, new Attempt(partition, value));
            Http.Reply reply;
            try {
                reply = http.produce(TOPIC, "partition=" + partition + "&idempotency_key=" + key, value);
            } catch (AssertionError connectionFailed) {
                return; // The node is gone; the key stays unknown until the retry after restart.
            }
            if (reply.status() == 200) {
                JsonNode j = reply.json();
                if (j.path("duplicate").asBoolean()) {
                    bugs.add(new AssertionError("first produce of " + key + " answered duplicate: " + reply));
                }
                acked.put(key, new Acked(partition, j.path("offset").asLong(), value));
                unknown.remove(key);
                roundAcks.incrementAndGet();
            } else if (reply.status() != 503 && reply.status() != 504 && reply.status() != 429) {
                bugs.add(new AssertionError("produce of " + key + " answered " + reply));
            }
        }
    }

    private void commitLoop(Http http, AtomicBoolean stop, ConcurrentLinkedQueue<Throwable> bugs) {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000 && !stop.get(); i++) {
            int partition = random.nextInt(PARTITIONS);
            long highest = -1;
            for (Acked a : acked.values()) {
                if (a.partition() == partition) {
                    highest = Math.max(highest, a.offset());
                }
            }
            if (highest < 0) {
                LockSupport.parkNanos(2_000_000); // paces the loop until the first record is acknowledged
                continue;
            }
            long offset = random.nextLong(highest + 1);
            Http.Reply reply;
            try {
                reply = http.postJson("/broker/commit", "{\"topic\":\"" + TOPIC + "\",\"group\":\"" + GROUP
                        + "\",\"partition\":" + partition + ",\"offset\":" + offset + "}");
            } catch (AssertionError connectionFailed) {
                return;
            }
            if (reply.status() == 200) {
                long committed = reply.json().path("committed_offset").asLong();
                if (committed < offset) {
                    bugs.add(new AssertionError("commit of " + offset + " answered committed_offset " + committed));
                }
                synchronized (ackedCommit) {
                    ackedCommit[partition] = Math.max(ackedCommit[partition], committed);
                }
            } else if (reply.status() != 503 && reply.status() != 504 && reply.status() != 429) {
                bugs.add(new AssertionError("commit answered " + reply));
            }
        }
    }

    private void verifyEverything(Http http, int round) {
        for (int p = 0; p < PARTITIONS; p++) {
            List<JsonNode> all = readPartition(http, p);
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).path("offset").asLong()).as("round %d partition %d: offsets are dense", round, p)
                        .isEqualTo(i);
            }
            for (Map.Entry<String, Acked> e : acked.entrySet()) {
                Acked a = e.getValue();
                if (a.partition() == p) {
                    assertThat(a.offset()).as("round %d: acknowledged %s is below the high watermark", round, e.getKey())
                            .isLessThan(all.size());
                    assertThat(all.get((int) a.offset()).path("value").asText())
                            .as("round %d: bytes of %s at offset %d", round, e.getKey(), a.offset()).isEqualTo(a.value());
                }
            }
            JsonNode page = http.consume(TOPIC, GROUP, p, "offset=0&limit=1").json();
            long committed = page.path("committed_offset").asLong();
            assertThat(committed).as("round %d partition %d: committed offset holds every acknowledged commit", round, p)
                    .isGreaterThanOrEqualTo(ackedCommit[p]);
            assertThat(committed).as("round %d partition %d: committed offset never moves back", round, p)
                    .isGreaterThanOrEqualTo(observedCommit[p]);
            observedCommit[p] = committed;
        }
        // Retrying an acknowledged key is a duplicate at its original offset.
        for (Map.Entry<String, Acked> e : acked.entrySet()) {
            Acked a = e.getValue();
            JsonNode j = http.produce(TOPIC, "partition=" + a.partition() + "&idempotency_key=" + e.getKey(), a.value()).json();
            assertThat(j.path("ok").asBoolean()).as("retry of %s: %s", e.getKey(), j).isTrue();
            assertThat(j.path("duplicate").asBoolean()).as("round %d: retry of %s is a duplicate", round, e.getKey()).isTrue();
            assertThat(j.path("offset").asLong()).as("round %d: retry of %s keeps its offset", round, e.getKey())
                    .isEqualTo(a.offset());
        }
        // A produce that got no answer was either written before the kill (now a duplicate) or
        // not at all (written now, once): either way the key ends up at exactly one offset.
        for (Map.Entry<String, Attempt> e : Map.copyOf(unknown).entrySet()) {
            Attempt at = e.getValue();
            JsonNode j = http.produce(TOPIC, "partition=" + at.partition() + "&idempotency_key=" + e.getKey(), at.value()).json();
            assertThat(j.path("ok").asBoolean()).as("retry of unanswered %s: %s", e.getKey(), j).isTrue();
            acked.put(e.getKey(), new Acked(at.partition(), j.path("offset").asLong(), at.value()));
            unknown.remove(e.getKey());
            unknownResolved.incrementAndGet();
        }
        for (int p = 0; p < PARTITIONS; p++) {
            List<JsonNode> all = readPartition(http, p);
            for (Acked a : acked.values()) {
                if (a.partition() == p) {
                    assertThat(all.get((int) a.offset()).path("value").asText()).isEqualTo(a.value());
                }
            }
        }
    }

    private static List<JsonNode> readPartition(Http http, int partition) {
        List<JsonNode> out = new ArrayList<>();
        long next = 0;
        for (int pages = 0; pages < 10_000; pages++) {
            JsonNode page = http.consume(TOPIC, "reader", partition, "offset=" + next + "&limit=1000").json();
            assertThat(page.path("ok").asBoolean()).as("consume: %s", page).isTrue();
            if (page.path("messages").isEmpty()) {
                assertThat(next).isEqualTo(page.path("high_watermark").asLong());
                return out;
            }
            page.path("messages").forEach(out::add);
            next = page.path("next_offset").asLong();
        }
        throw new AssertionError("partition " + partition + " did not end within 10,000 pages");
    }
}
