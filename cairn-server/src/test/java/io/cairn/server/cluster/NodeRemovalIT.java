package io.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Removing a node that holds partition replicas, with real node processes on loopback: its
 * replicas move to the other nodes while a producer keeps writing, and nothing acknowledged is
 * lost. Also: a removal that would lower a replication factor is refused and changes nothing, and
 * {@code GET /broker/groups/{group}} answers the same on every node.
 */
class NodeRemovalIT {
    /** Replica moves include catching up a new replica; generous on a loaded 2-core machine. */
    static final Duration MOVE_WAIT = Duration.ofSeconds(180);
    static final String TOPIC = "moving";
    static final int PARTITIONS = 3;

    @TempDir Path dir;
    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void removingANodeWhileProducingMovesItsReplicasAndLosesNoAcknowledgedRecord() throws Exception {
        cluster = new LocalCluster(4, dir);
        cluster.startAll();
        cluster.createTopic(TOPIC, PARTITIONS, 3);
        Map<String, Long> ackedByValue = new ConcurrentHashMap<>();
        Map<String, Integer> partitionOf = new ConcurrentHashMap<>();
        for (int k = 0; k < 30; k++) {
            int p = k % PARTITIONS;
            long off = cluster.produce(TOPIC, p, "before" + k, "before" + k, Duration.ofSeconds(30));
            assertThat(off).isGreaterThanOrEqualTo(0);
            ackedByValue.put("before" + k, off);
            partitionOf.put("before" + k, p);
        }
        for (int p = 0; p < PARTITIONS; p++) {
            LocalCluster.Reply c = cluster.follow("POST", cluster.url(0) + "/broker/commit",
                    "{\"topic\":\"" + TOPIC + "\",\"group\":\"g\",\"partition\":" + p + ",\"offset\":" + (p + 1) + "}",
                    Duration.ofSeconds(10));
            assertThat(c.status()).as("commit: %s", c.body()).isEqualTo(200);
        }
        assertGroupOffsetsSameOnEveryNode(null);

        // The node to remove is the metadata leader, the hardest case: it moves its own replicas
        // (handing off the partitions it leads), then hands the metadata group to another node,
        // which finishes the removal. Every node holds at least two of the three partitions.
        Map<Integer, List<String>> before = replicas(0);
        String victim = cluster.get(0, "/cluster").body().path("metadata").path("leader").asText();
        int victimIdx = cluster.indexOf(victim);
        assertThat(before.values().stream().filter(r -> r.contains(victim)).count()).isGreaterThanOrEqualTo(2);

        AtomicBoolean stop = new AtomicBoolean();
        Thread producer = new Thread(() -> {
            // Bounded by the stop flag and by a per-record deadline.
            for (int k = 0; !stop.get(); k++) {
                String v = "during" + k;
                int p = k % PARTITIONS;
                long off = cluster.produce(TOPIC, p, v, v, Duration.ofSeconds(30));
                if (off >= 0) {
                    partitionOf.put(v, p);
                    ackedByValue.put(v, off);
                }
            }
        }, "it-producer");
        producer.start();
        try {
            int ackedBefore = ackedByValue.size();
            LocalCluster.await(() -> ackedByValue.size() >= ackedBefore + 30, () -> "producer running");
            LocalCluster.Reply removal = cluster.follow("DELETE", cluster.url(0) + "/cluster/nodes/" + victim, null,
                    Duration.ofSeconds(30));
            assertThat(removal).isNotNull();
            assertThat(removal.status()).as("remove %s: %s", victim, removal.body()).isEqualTo(202);
            assertThat(removal.body().path("state").asText()).isEqualTo("moving_replicas");
            int survivor = (victimIdx + 1) % 4;
            LocalCluster.await(() -> {
                LocalCluster.Reply c = cluster.get(survivor, "/cluster");
                return c != null && c.ok() && c.body().path("nodes").size() == 3 && c.body().path("removal").isNull();
            }, () -> victim + " removed; cluster: " + body(cluster.get(survivor, "/cluster")), MOVE_WAIT);
            int ackedAtRemoval = ackedByValue.size();
            LocalCluster.await(() -> ackedByValue.size() >= ackedAtRemoval + 30, () -> "writes continue after the removal");
        } finally {
            stop.set(true);
            producer.join(60_000);
        }
        assertThat(producer.isAlive()).isFalse();

        int survivor = (victimIdx + 1) % 4;
        // Each replica reports its group's voters as it has applied them; followers apply the last
        // change a heartbeat after the leader.
        LocalCluster.await(() -> {
            Map<Integer, List<String>> r = replicas(survivor);
            return r.size() == PARTITIONS && r.values().stream().allMatch(l -> l.size() == 3 && !l.contains(victim));
        }, () -> "three replicas per partition without " + victim + ": " + replicas(survivor));
        Map<Integer, List<String>> after = replicas(survivor);
        String metadataLeader = cluster.get(survivor, "/cluster").body().path("metadata").path("leader").asText();
        assertThat(metadataLeader).as("the metadata group is led by a remaining node").isNotEqualTo(victim);
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(after.get(p)).as("replicas of partition %s after removing %s (before: %s)", p, victim, before.get(p))
                    .hasSize(3).doesNotContain(victim).doesNotHaveDuplicates();
        }
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            Map<String, Long> acked = new TreeMap<>();
            for (Map.Entry<String, Long> e : ackedByValue.entrySet()) {
                if (partitionOf.get(e.getKey()) == partition) acked.put(e.getKey(), e.getValue());
            }
            long hw = acked.values().stream().mapToLong(Long::longValue).max().orElse(-1) + 1;
            Map<Long, String> reference = null;
            for (String node : after.get(p)) {
                int i = cluster.indexOf(node);
                LocalCluster.await(() -> cluster.highWatermark(i, TOPIC, partition) >= hw,
                        () -> node + " reaches high watermark " + hw + " of partition " + partition, MOVE_WAIT);
                Map<Long, String> log = cluster.consumeAll(i, TOPIC, partition);
                assertDenseAndComplete(log, acked);
                if (reference == null) reference = log;
                assertThat(log).as("records of partition %s on %s", partition, node).isEqualTo(reference);
            }
            List<Path> dirs = after.get(p).stream().map(n -> partitionDir(n, partition)).toList();
            LocalCluster.await(() -> sameSegmentBytes(dirs), () -> "identical segment files of partition " + partition
                    + " in " + dirs, Duration.ofSeconds(30));
            assertThat(Files.exists(partitionDir(victim, partition)))
                    .as("the removed node's replica of partition %s is deleted", partition).isFalse();
        }
        // The removed node's process still runs (the operator stops it); it is no member any more.
        assertGroupOffsetsSameOnEveryNode(victim);
    }

    @Test
    void aNodeThatIsDownIsRemovedAndItsReplicasAreRebuiltFromTheOthers() throws Exception {
        cluster = new LocalCluster(4, dir);
        cluster.startAll();
        cluster.createTopic(TOPIC, PARTITIONS, 3);
        Map<Integer, Map<String, Long>> acked = new TreeMap<>();
        for (int k = 0; k < 60; k++) {
            int p = k % PARTITIONS;
            long off = cluster.produce(TOPIC, p, "v" + k, "v" + k, Duration.ofSeconds(30));
            assertThat(off).isGreaterThanOrEqualTo(0);
            acked.computeIfAbsent(p, x -> new TreeMap<>()).put("v" + k, off);
        }
        for (int p = 0; p < PARTITIONS; p++) {
            LocalCluster.Reply c = cluster.follow("POST", cluster.url(0) + "/broker/commit",
                    "{\"topic\":\"" + TOPIC + "\",\"group\":\"g\",\"partition\":" + p + ",\"offset\":" + (p + 1) + "}",
                    Duration.ofSeconds(10));
            assertThat(c.status()).as("commit: %s", c.body()).isEqualTo(200);
        }
        String victim = "n4";
        cluster.kill(cluster.indexOf(victim));
        // With a node down, every other node still answers for every partition from its (new) leader.
        assertGroupOffsetsSameOnEveryNode(victim);
        // The victim may have been the metadata leader: until the others elect a new one, a node
        // redirects to the dead one (no answer) or says the leadership is changing (503). A user
        // retries; so does the test. A repeated DELETE of a node being removed answers 202 again.
        AtomicReference<LocalCluster.Reply> removalReply = new AtomicReference<>();
        LocalCluster.await(() -> {
            LocalCluster.Reply r = cluster.follow("DELETE", cluster.url(0) + "/cluster/nodes/" + victim, null,
                    Duration.ofSeconds(30));
            removalReply.set(r);
            return r != null && r.status() != 503 && r.status() != 307;
        }, () -> "an answer to removing " + victim + "; last: " + removalReply.get());
        LocalCluster.Reply removal = removalReply.get();
        assertThat(removal.status()).as("remove %s (down): %s", victim, removal.body()).isEqualTo(202);
        LocalCluster.await(() -> {
            LocalCluster.Reply c = cluster.get(0, "/cluster");
            return c != null && c.ok() && c.body().path("nodes").size() == 3 && c.body().path("removal").isNull();
        }, () -> victim + " removed; cluster: " + body(cluster.get(0, "/cluster")), MOVE_WAIT);
        LocalCluster.await(() -> {
            Map<Integer, List<String>> r = replicas(0);
            return r.size() == PARTITIONS && r.values().stream().allMatch(l -> l.size() == 3 && !l.contains(victim));
        }, () -> "three replicas per partition without " + victim + ": " + replicas(0));
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            long hw = acked.get(p).values().stream().mapToLong(Long::longValue).max().orElse(-1) + 1;
            for (int i = 0; i < 3; i++) {
                int node = i;
                LocalCluster.await(() -> cluster.highWatermark(node, TOPIC, partition) >= hw,
                        () -> cluster.ids[node] + " has partition " + partition + " up to " + hw);
                Map<Long, String> log = cluster.consumeAll(i, TOPIC, partition);
                assertDenseAndComplete(log, acked.get(p));
                assertThat(log).hasSize((int) hw);
            }
            assertThat(cluster.produce(TOPIC, p, "after" + p, "after" + p, Duration.ofSeconds(30))).isEqualTo(hw);
        }
    }

    @Test
    void aRemovalThatWouldLowerTheReplicationFactorIsRefusedAndChangesNothing() throws Exception {
        cluster = new LocalCluster(3, dir);
        cluster.startAll();
        cluster.createTopic("full", 2, 3);
        LocalCluster.Reply refused = cluster.follow("DELETE", cluster.url(0) + "/cluster/nodes/n3", null, Duration.ofSeconds(30));
        assertThat(refused).isNotNull();
        assertThat(refused.status()).as("remove n3: %s", refused.body()).isEqualTo(409);
        assertThat(refused.body().path("error").asText()).isEqualTo("not_enough_nodes");
        assertThat(refused.body().path("message").asText()).contains("replication factor 3");
        for (int i = 0; i < 3; i++) {
            JsonNode c = cluster.get(i, "/cluster").body();
            assertThat(c.path("nodes")).hasSize(3);
            assertThat(c.path("removal").isNull()).as("no removal recorded on %s: %s", cluster.ids[i], c).isTrue();
        }
        // Nothing was marked: new topics may still use n3, and writes go on.
        cluster.createTopic("later", 3, 3);
        assertThat(replicas(0, "later").values()).allSatisfy(r -> assertThat(r).contains("n3"));
        assertThat(cluster.produce("full", 0, "x", "x", Duration.ofSeconds(30))).isEqualTo(0);
        LocalCluster.Reply unknown = cluster.follow("DELETE", cluster.url(0) + "/cluster/nodes/n9", null, Duration.ofSeconds(30));
        assertThat(unknown.status()).isEqualTo(404);
    }

    // ------------------------------------------------------------------ helpers

    private Map<Integer, List<String>> replicas(int i) {
        return replicas(i, TOPIC);
    }

    private Map<Integer, List<String>> replicas(int i, String topic) {
        JsonNode t = cluster.get(i, "/broker/topics/" + topic).body();
        Map<Integer, List<String>> out = new TreeMap<>();
        for (JsonNode p : t.path("partitions")) {
            List<String> r = new ArrayList<>();
            p.path("replicas").forEach(n -> r.add(n.asText()));
            out.put(p.path("partition").asInt(), r);
        }
        return out;
    }

    private Path partitionDir(String node, int partition) {
        return dir.resolve(node).resolve("topics").resolve(TOPIC).resolve(Integer.toString(partition));
    }

    /** Whether every directory holds the same segment files with the same bytes. */
    private static boolean sameSegmentBytes(List<Path> dirs) {
        try {
            Map<String, byte[]> first = null;
            for (Path d : dirs) {
                Map<String, byte[]> files = new TreeMap<>();
                try (Stream<Path> s = Files.list(d)) {
                    for (Path f : s.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                        files.put(f.getFileName().toString(), ReplicaRepairIT.frameBytes(f));
                    }
                }
                if (files.isEmpty()) return false;
                if (first == null) {
                    first = files;
                } else {
                    if (!first.keySet().equals(files.keySet())) return false;
                    for (String name : first.keySet()) if (!java.util.Arrays.equals(first.get(name), files.get(name))) return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void assertDenseAndComplete(Map<Long, String> log, Map<String, Long> acked) {
        for (long o = 0; o < log.size(); o++) assertThat(log).as("offset %s present (dense)", o).containsKey(o);
        Set<String> seen = new HashSet<>();
        for (String v : log.values()) assertThat(seen.add(v)).as("value %s stored once", v).isTrue();
        for (Map.Entry<String, Long> a : acked.entrySet()) {
            assertThat(log.get(a.getValue())).as("acknowledged %s at offset %s", a.getKey(), a.getValue()).isEqualTo(a.getKey());
        }
    }

    /** Every live member lists every partition's committed offset of group g, with the same values. */
    private void assertGroupOffsetsSameOnEveryNode(String except) {
        JsonNode reference = null;
        for (int i = 0; i < cluster.size; i++) {
            if (!cluster.alive(i) || cluster.ids[i].equals(except)) continue;
            int node = i;
            LocalCluster.await(() -> {
                LocalCluster.Reply r = cluster.get(node, "/broker/groups/g");
                if (r == null || !r.ok() || r.body().path("partitions").size() != PARTITIONS) return false;
                for (JsonNode p : r.body().path("partitions")) if (!p.path("from_leader").asBoolean()) return false;
                return true;
            }, () -> "every partition of group g on " + cluster.ids[node] + ": " + body(cluster.get(node, "/broker/groups/g")));
            JsonNode parts = cluster.get(i, "/broker/groups/g").body().path("partitions");
            List<String> committed = new ArrayList<>();
            for (JsonNode p : parts) {
                committed.add(p.path("topic").asText() + "/" + p.path("partition").asInt() + "=" + p.path("committed_offset").asLong());
                assertThat(p.path("from_leader").asBoolean()).as("answered by the leader: %s", p).isTrue();
            }
            assertThat(committed).containsExactly(TOPIC + "/0=1", TOPIC + "/1=2", TOPIC + "/2=3");
            if (reference == null) reference = parts;
        }
    }

    private static String body(LocalCluster.Reply r) {
        return r == null ? "(no answer)" : r.status() + " " + r.body();
    }
}
