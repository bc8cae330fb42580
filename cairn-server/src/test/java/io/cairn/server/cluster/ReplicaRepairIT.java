package io.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower restarts with flipped bytes in a sealed segment (a failing disk): it must come up,
 * never serve the damaged range wrongly, repair from its peers, and end with segment files
 * byte-identical to the leader's. Real node processes on loopback, observed through HTTP and the
 * files on disk.
 */
class ReplicaRepairIT {
    private static final String TOPIC = "repair";
    @TempDir Path dir;
    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void aFollowerKilledWithADamagedSealedSegmentRepairsFromItsPeers() throws Exception {
        run(false);
    }

    @Test
    void aFollowerStoppedCleanlyWithADamagedSealedSegmentFindsItByScrubAndRepairs() throws Exception {
        // A clean stop writes a checkpoint past the damage, so nothing replays through it at open:
        // only the scrub after open (or a read) can find it.
        run(true);
    }

    private void run(boolean graceful) throws Exception {
        cluster = new LocalCluster(3, dir);
        cluster.nodeArgs.addAll(List.of("--segment-bytes", "16384", "--max-record-bytes", "4096"));
        cluster.startAll();
        cluster.createTopic(TOPIC, 1, 3);
        Map<Long, String> acked = new LinkedHashMap<>();
        for (int k = 0; k < 300; k++) {
            String v = "a" + k + "-" + "x".repeat(100);
            acked.put(produce(v, "all"), v);
        }
        String leader = cluster.leaderOf(TOPIC, 0);
        int victim = (cluster.indexOf(leader) + 1) % 3;
        Path partitionDir = partitionDir(victim);
        List<Path> sealed = logFiles(partitionDir);
        assertThat(sealed.size()).as("segments on %s", cluster.ids[victim]).isGreaterThanOrEqualTo(4);
        Path damaged = sealed.get(1);
        if (graceful) {
            stopGracefully(victim);
        } else {
            cluster.kill(victim);
        }
        flip(damaged, Files.size(damaged) / 2, 3);
        for (int k = 0; k < 100; k++) {
            String v = "b" + k + "-" + "y".repeat(100);
            acked.put(produce(v, "majority"), v);
        }
        cluster.start(victim);
        cluster.awaitReady(victim);

        // While it repairs, whatever the node serves is exactly what was acknowledged.
        AtomicReference<String> wrong = new AtomicReference<>();
        long hw = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow() + 1;
        LocalCluster.await(() -> {
            checkServedMatches(victim, acked, wrong);
            assertThat(wrong.get()).as("wrong data served during repair").isNull();
            return cluster.highWatermark(victim, TOPIC, 0) >= hw && Files.notExists(partitionDir.resolve("repair-state"))
                    && sameLogFiles(partitionDir, partitionDir(cluster.indexOf(cluster.leaderOf(TOPIC, 0))));
        }, () -> cluster.ids[victim] + " repaired to the leader's bytes; log:\n" + cluster.tail(victim));
        assertThat(Files.readString(dir.resolve(cluster.ids[victim]).resolve("node.log")))
                .contains("log cut before entry").contains("repair complete");
        Map<Long, String> served = cluster.consumeAll(victim, TOPIC, 0);
        assertThat(served).isEqualTo(acked);

        // Repaired, it votes again: with the leader gone the other two elect and take writes.
        cluster.kill(cluster.indexOf(cluster.leaderOf(TOPIC, 0)));
        assertThat(produce("after-" + "z".repeat(10), "majority")).isEqualTo(hw);
    }

    /**
     * The safety case of protocol-aware recovery, end to end. Records committed on {a, c} while b
     * is down; c's copy of some of them is damaged; a is down. b and c alone must not elect a
     * leader (c's vote would make b, which lacks the records, leader, and the acknowledged
     * records would be overwritten). A crash of c mid-repair keeps the restriction (the marker).
     * When a returns it leads, refills c, and every acknowledged record is on every node.
     */
    @Test
    void aRepairingReplicaDoesNotHelpElectALeaderThatLacksWhatItAcknowledged() throws Exception {
        cluster = new LocalCluster(3, dir);
        cluster.nodeArgs.addAll(List.of("--segment-bytes", "16384", "--max-record-bytes", "4096"));
        cluster.startAll();
        cluster.createTopic(TOPIC, 1, 3);
        Map<Long, String> acked = new LinkedHashMap<>();
        for (int k = 0; k < 20; k++) {
            String v = "a" + k + "-" + "x".repeat(100);
            acked.put(produce(v, "all"), v);
        }
        String leader = cluster.leaderOf(TOPIC, 0);
        int a = cluster.indexOf(leader);
        int b = (a + 1) % 3;
        int c = (a + 2) % 3;
        cluster.kill(b);
        // Committed on a and c only: b never sees these. Enough to seal several segments.
        for (int k = 0; k < 400; k++) {
            String v = "e" + k + "-" + "y".repeat(100);
            acked.put(produce(v, "majority"), v);
        }
        List<Path> logs = logFiles(partitionDir(c));
        assertThat(logs.size()).as("segments on %s", cluster.ids[c]).isGreaterThanOrEqualTo(4);
        cluster.kill(c);
        cluster.kill(a);
        // The newest sealed segment of c holds only records b lacks.
        Path damaged = logs.get(logs.size() - 2);
        flip(damaged, Files.size(damaged) / 2, 3);

        cluster.start(b);
        cluster.start(c);
        Path cLog = dir.resolve(cluster.ids[c]).resolve("node.log");
        LocalCluster.await(() -> contains(cLog, "log cut before entry"), () -> "c cuts its damaged log");
        assertThat(partitionDir(c).resolve("repair-state")).exists();
        assertNoWriteAccepted(b, c);

        // A crash in the middle of the repair: the marker keeps the restriction.
        cluster.kill(c);
        cluster.start(c);
        LocalCluster.await(() -> contains(cLog, "resuming the repair"), () -> "c resumes its repair");
        assertNoWriteAccepted(b, c);

        cluster.start(a);
        long hw = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow() + 1;
        LocalCluster.await(() -> Files.notExists(partitionDir(c).resolve("repair-state"))
                        && cluster.highWatermark(c, TOPIC, 0) >= hw && cluster.highWatermark(b, TOPIC, 0) >= hw,
                () -> "a leads and refills b and c; c log:\n" + cluster.tail(c));
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.consumeAll(i, TOPIC, 0)).as("log on %s", cluster.ids[i]).isEqualTo(acked);
        }
        int lead = cluster.indexOf(cluster.leaderOf(TOPIC, 0));
        LocalCluster.await(() -> sameLogFiles(partitionDir(c), partitionDir(lead)), () -> "c's segments equal the leader's");
    }

    /**
     * With only {@code b} and {@code c} up, no write is acknowledged and no leader appears, for an
     * observation window of 8 s (dozens of election timeouts): attempts against both nodes
     * (redirects followed) every 200 ms until the window ends, each answered 503/504 or not at all.
     */
    private void assertNoWriteAccepted(int b, int c) {
        long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        // Bounded by the window (and each request by its 5 s timeout).
        for (int attempt = 0; System.nanoTime() < end; attempt++) {
            for (int i : new int[] {b, c}) {
                String url = cluster.url(i) + "/broker/topics/" + TOPIC + "/produce?partition=0&acks=majority&timeout_ms=1000"
                        + "&idempotency_key=must-not-" + attempt + "-" + i;
                LocalCluster.Reply r = cluster.follow("POST", url, "must-not-be-written", Duration.ofSeconds(5));
                assertThat(r == null || r.status() != 200).as("a write acknowledged by %s with a repairing %s: %s",
                        cluster.ids[i], cluster.ids[c], r == null ? null : r.body()).isTrue();
            }
            assertThat(cluster.leaderOf(TOPIC, 0)).as("no leader among the live nodes").isNull();
            java.util.concurrent.locks.LockSupport.parkNanos(200_000_000);
        }
    }

    /** Reads the victim's whole log page by page, directly; records it returns must be the acked ones. */
    private void checkServedMatches(int node, Map<Long, String> acked, AtomicReference<String> wrong) {
        long offset = 0;
        // Bounded: at most 100 pages of up to 1000 records.
        for (int page = 0; page < 100; page++) {
            LocalCluster.Reply r = cluster.get(node, "/broker/consume/" + TOPIC + "/it/0?offset=" + offset + "&limit=1000");
            if (r == null || !r.ok()) {
                return; // 503 while repairing, or not reachable: never wrong data.
            }
            for (JsonNode m : r.body().path("messages")) {
                long o = m.path("offset").asLong();
                String v = m.path("value").asText();
                if (!v.equals(acked.get(o))) {
                    wrong.compareAndSet(null, "offset " + o + ": served '" + v + "', acknowledged '" + acked.get(o) + "'");
                }
            }
            if (r.body().path("count").asInt() == 0) {
                return;
            }
            offset = r.body().path("next_offset").asLong();
        }
    }

    private long produce(String value, String acks) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String key = "k-" + value.hashCode() + "-" + value.length() + "-" + value.substring(0, Math.min(12, value.length()));
        // Bounded by the deadline; retries 503/504/unreachable with the same idempotency key.
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < cluster.size; i++) {
                if (!cluster.alive(i)) continue;
                String url = cluster.url(i) + "/broker/topics/" + TOPIC + "/produce?partition=0&acks=" + acks
                        + "&timeout_ms=2000&idempotency_key=" + URLEncoder.encode(key, StandardCharsets.UTF_8);
                LocalCluster.Reply r = cluster.follow("POST", url, value, Duration.ofSeconds(5));
                if (r != null && r.status() == 200) return r.body().path("offset").asLong();
                if (r != null && r.status() >= 400 && r.status() < 500 && r.status() != 429) {
                    throw new AssertionError("produce refused: " + r);
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        throw new AssertionError("no node acknowledged " + value);
    }

    private void stopGracefully(int i) throws InterruptedException {
        Process p = cluster.processes[i];
        p.destroy(); // SIGTERM: the shutdown hook closes replicas, which writes checkpoints.
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("node stops on SIGTERM").isTrue();
        cluster.processes[i] = null;
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private Path partitionDir(int node) {
        return dir.resolve(cluster.ids[node]).resolve("topics").resolve(TOPIC).resolve("0");
    }

    private static List<Path> logFiles(Path partitionDir) throws IOException {
        try (Stream<Path> s = Files.list(partitionDir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private static boolean sameLogFiles(Path a, Path b) {
        try {
            List<Path> la = logFiles(a);
            List<Path> lb = logFiles(b);
            if (!la.stream().map(Path::getFileName).toList().equals(lb.stream().map(Path::getFileName).toList())) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!Arrays.equals(frameBytes(la.get(i)), frameBytes(lb.get(i)))) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false; // a segment rolled or was cut between the listing and the read: look again
        }
    }

    /**
     * A segment file's bytes up to its last non-zero byte: the active segment keeps zeros written
     * ahead of its frames, and replicas that hold the same frames may hold different amounts of them.
     */
    static byte[] frameBytes(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int end = b.length;
        while (end > 0 && b[end - 1] == 0) {
            end--;
        }
        return Arrays.copyOf(b, end);
    }

    /** XORs {@code count} consecutive bytes from {@code position} with 0xFF, as a failing disk might. */
    private static void flip(Path file, long position, int count) throws IOException {
        file.toFile().setWritable(true);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            for (int k = 0; k < count; k++) {
                f.seek(position + k);
                int b = f.read();
                f.seek(position + k);
                f.write(b ^ 0xFF);
            }
            f.getFD().sync();
        }
    }
}
