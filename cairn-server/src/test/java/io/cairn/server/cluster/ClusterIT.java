package io.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-node cluster of real node processes on loopback: failover, catch-up, full restart, quorum
 * loss, redirects, leadership transfer and membership changes, observed only through HTTP.
 */
class ClusterIT {
    @TempDir Path dir;
    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    private LocalCluster start3() throws Exception {
        cluster = new LocalCluster(3, dir);
        cluster.startAll();
        return cluster;
    }

    /**
     * Produces one record with an idempotency key until some node acknowledges it, following
     * redirects and retrying 503/504/unreachable with the same key (safe by API.md). Returns the
     * acknowledged offset, or -1 if no node acknowledged it within the deadline.
     */
    private long produce(String topic, int partition, String value, String key, String acks, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        int start = 0;
        // Bounded by the deadline.
        while (System.nanoTime() < deadline) {
            for (int k = 0; k < cluster.size; k++) {
                int i = (start + k) % cluster.size;
                if (!cluster.alive(i)) continue;
                String url = cluster.url(i) + "/broker/topics/" + topic + "/produce?partition=" + partition + "&acks=" + acks
                        + "&timeout_ms=2000&idempotency_key=" + URLEncoder.encode(key, StandardCharsets.UTF_8);
                LocalCluster.Reply r = cluster.follow("POST", url, value, Duration.ofSeconds(5));
                if (r != null && r.status() == 200) return r.body().path("offset").asLong();
                if (r != null && r.status() >= 400 && r.status() < 500 && r.status() != 429) {
                    throw new AssertionError("produce refused: " + r);
                }
            }
            start++;
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        return -1;
    }

    /** Asserts offsets 0..n-1 with no gap, each acknowledged value at its acknowledged offset, no value twice. */
    private static void assertDenseAndComplete(Map<Long, String> log, Map<String, Long> acked) {
        for (long o = 0; o < log.size(); o++) assertThat(log).as("offset %s present (dense)", o).containsKey(o);
        Set<String> seen = new HashSet<>();
        for (String v : log.values()) assertThat(seen.add(v)).as("value %s stored once", v).isTrue();
        for (Map.Entry<String, Long> a : acked.entrySet()) {
            assertThat(log.get(a.getValue())).as("acknowledged %s at offset %s", a.getKey(), a.getValue()).isEqualTo(a.getKey());
        }
    }

    @Test
    void killingTheLeaderDuringProduceLosesNoAcknowledgedRecord() throws Exception {
        start3();
        cluster.createTopic("orders", 1, 3);
        Map<String, Long> acked = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread producer = new Thread(() -> {
            // Bounded by the stop flag and by a per-record deadline.
            for (int k = 0; !stop.get(); k++) {
                String v = "v" + k;
                long off = produce("orders", 0, v, "key-" + k, "majority", Duration.ofSeconds(30));
                if (off >= 0) acked.put(v, off);
            }
        }, "it-producer");
        producer.start();
        try {
            LocalCluster.await(() -> acked.size() >= 150, () -> "150 acknowledged records, have " + acked.size());
            String leader = cluster.leaderOf("orders", 0);
            assertThat(leader).isNotNull();
            LocalCluster.Reply commit = cluster.follow("POST", cluster.url(cluster.indexOf(leader)) + "/broker/commit",
                    "{\"topic\":\"orders\",\"group\":\"billing\",\"partition\":0,\"offset\":99}", Duration.ofSeconds(10));
            assertThat(commit.status()).as("commit: %s", commit.body()).isEqualTo(200);
            cluster.kill(cluster.indexOf(leader));
            int before = acked.size();
            LocalCluster.await(() -> acked.size() >= before + 150, () -> "150 more records after killing " + leader
                    + ", have " + (acked.size() - before));
            String newLeader = cluster.leaderOf("orders", 0);
            assertThat(newLeader).isNotNull().isNotEqualTo(leader);
            JsonNode page = cluster.get(cluster.indexOf(newLeader), "/broker/consume/orders/billing/0?limit=1").body();
            assertThat(page.path("committed_offset").asLong()).as("group offset survives the failover").isEqualTo(99);
        } finally {
            stop.set(true);
            producer.join(60_000);
        }
        for (int i = 0; i < 3; i++) {
            if (!cluster.alive(i)) continue;
            int node = i;
            long hw = acked.values().stream().mapToLong(Long::longValue).max().orElse(-1) + 1;
            LocalCluster.await(() -> cluster.highWatermark(node, "orders", 0) >= hw, () -> "survivor sees every ack");
            assertDenseAndComplete(cluster.consumeAll(i, "orders", 0), acked);
        }
    }

    @Test
    void aRestartedFollowerCatchesUpToAnIdenticalLog() throws Exception {
        start3();
        cluster.createTopic("events", 1, 3);
        Map<String, Long> acked = new ConcurrentHashMap<>();
        for (int k = 0; k < 50; k++) acked.put("a" + k, produce("events", 0, "a" + k, "a" + k, "all", Duration.ofSeconds(30)));
        String leader = cluster.leaderOf("events", 0);
        int follower = (cluster.indexOf(leader) + 1) % 3;
        cluster.kill(follower);
        for (int k = 0; k < 300; k++) {
            long off = produce("events", 0, "b" + k, "b" + k, "majority", Duration.ofSeconds(30));
            assertThat(off).isGreaterThanOrEqualTo(0);
            acked.put("b" + k, off);
        }
        cluster.start(follower);
        cluster.awaitReady(follower);
        long hw = cluster.highWatermark(cluster.indexOf(cluster.leaderOf("events", 0)), "events", 0);
        LocalCluster.await(() -> cluster.highWatermark(follower, "events", 0) >= hw,
                () -> "restarted follower reaches high watermark " + hw + ", has " + cluster.highWatermark(follower, "events", 0));
        Map<Long, String> reference = cluster.consumeAll(cluster.indexOf(cluster.leaderOf("events", 0)), "events", 0);
        assertDenseAndComplete(reference, acked);
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.consumeAll(i, "events", 0)).as("log on %s", cluster.ids[i]).isEqualTo(reference);
        }
    }

    @Test
    void allNodesRestartedAtOnceKeepEveryAcknowledgedRecord() throws Exception {
        start3();
        cluster.createTopic("t", 3, 3);
        Map<String, Long> acked = new ConcurrentHashMap<>();
        for (int k = 0; k < 60; k++) acked.put("r" + k, produce("t", k % 3, "r" + k, "r" + k, "majority", Duration.ofSeconds(30)));
        for (int i = 0; i < 3; i++) cluster.kill(i);
        for (int i = 0; i < 3; i++) cluster.start(i);
        for (int i = 0; i < 3; i++) cluster.awaitReady(i);
        for (int p = 0; p < 3; p++) {
            int partition = p;
            Map<String, Long> ackedHere = new java.util.HashMap<>();
            for (int k = partition; k < 60; k += 3) ackedHere.put("r" + k, acked.get("r" + k));
            long hw = ackedHere.values().stream().mapToLong(Long::longValue).max().orElse(-1) + 1;
            LocalCluster.await(() -> cluster.highWatermark(0, "t", partition) >= hw, () -> "n1 sees partition " + partition);
            assertDenseAndComplete(cluster.consumeAll(0, "t", partition), ackedHere);
        }
        assertThat(produce("t", 0, "after", "after", "majority", Duration.ofSeconds(30))).isGreaterThanOrEqualTo(0);
    }

    @Test
    void aMinorityCannotAcceptWrites() throws Exception {
        start3();
        cluster.createTopic("q", 1, 3);
        assertThat(produce("q", 0, "first", "first", "majority", Duration.ofSeconds(30))).isEqualTo(0);
        String leader = cluster.leaderOf("q", 0);
        int survivor = cluster.indexOf(leader);
        for (int i = 0; i < 3; i++) if (i != survivor) cluster.kill(i);
        // The survivor may still believe it leads until check-quorum deposes it; either way no write is acknowledged.
        for (int k = 0; k < 5; k++) {
            LocalCluster.Reply r = cluster.request("POST", cluster.url(survivor) + "/broker/topics/q/produce?partition=0&timeout_ms=1000"
                    + "&idempotency_key=m" + k, "minority" + k, Duration.ofSeconds(10));
            assertThat(r).isNotNull();
            assertThat(r.status()).as("produce on a minority: %s", r.body()).isIn(503, 504);
            if (r.status() == 504) assertThat(r.body().path("outcome").asText()).isEqualTo("unknown");
        }
        int back = (survivor + 1) % 3;
        cluster.start(back);
        cluster.awaitReady(back);
        assertThat(produce("q", 0, "again", "again", "majority", Duration.ofSeconds(60))).isGreaterThan(0);
    }

    @Test
    void followersRedirectWritesAndTopicChangesToTheirLeaders() throws Exception {
        start3();
        cluster.createTopic("r", 1, 3);
        assertThat(produce("r", 0, "x", "x", "majority", Duration.ofSeconds(30))).isEqualTo(0);
        String leader = cluster.leaderOf("r", 0);
        int follower = (cluster.indexOf(leader) + 1) % 3;
        // A follower redirects once it has heard from the leader (before that it answers 503 no_leader).
        LocalCluster.await(() -> leader.equals(cluster.get(follower, "/broker/topics/r").body()
                .path("partitions").path(0).path("leader").asText()), () -> "the follower knows the leader");
        LocalCluster.Reply r = cluster.request("POST", cluster.url(follower) + "/broker/topics/r/produce?partition=0&key=k",
                "y", Duration.ofSeconds(5));
        assertThat(r.status()).isEqualTo(307);
        assertThat(r.location()).isEqualTo(cluster.url(cluster.indexOf(leader)) + "/broker/topics/r/produce?partition=0&key=k");
        assertThat(r.body().path("leader_id").asText()).isEqualTo(leader);

        String metaLeader = cluster.get(0, "/cluster").body().path("metadata").path("leader").asText();
        int notMetaLeader = (cluster.indexOf(metaLeader) + 1) % 3;
        LocalCluster.await(() -> metaLeader.equals(cluster.get(notMetaLeader, "/cluster").body().path("metadata").path("leader").asText()),
                () -> "node knows the metadata leader");
        LocalCluster.Reply t = cluster.request("POST", cluster.url(notMetaLeader) + "/broker/topics",
                "{\"name\":\"s\",\"partitions\":1}", Duration.ofSeconds(5));
        assertThat(t.status()).isEqualTo(307);
        assertThat(t.location()).isEqualTo(cluster.url(cluster.indexOf(metaLeader)) + "/broker/topics");
    }

    @Test
    void leadershipMovesOnRequest() throws Exception {
        start3();
        cluster.createTopic("m", 1, 3);
        assertThat(produce("m", 0, "x", "x", "majority", Duration.ofSeconds(30))).isEqualTo(0);
        String leader = cluster.leaderOf("m", 0);
        String target = cluster.ids[(cluster.indexOf(leader) + 1) % 3];
        LocalCluster.Reply r = cluster.follow("POST", cluster.url(cluster.indexOf(leader)) + "/cluster/transfer-leadership",
                "{\"topic\":\"m\",\"partition\":0,\"to\":\"" + target + "\"}", Duration.ofSeconds(15));
        assertThat(r.status()).as("transfer: %s", r.body()).isEqualTo(200);
        // The answer comes once the old leader saw the new one; the third node may learn it a heartbeat later.
        LocalCluster.await(() -> target.equals(cluster.leaderOf("m", 0)), () -> "the cluster reports " + target + " as leader");
        assertThat(produce("m", 0, "y", "y", "majority", Duration.ofSeconds(30))).isEqualTo(1);
    }

    @Test
    void clusterStatusShowsRolesTermsLeadersAndLag() throws Exception {
        start3();
        cluster.createTopic("s", 2, 3);
        produce("s", 0, "x", "x", "all", Duration.ofSeconds(30));
        String leader = cluster.leaderOf("s", 0);
        JsonNode c = cluster.get(cluster.indexOf(leader), "/cluster").body();
        assertThat(c.path("nodes")).hasSize(3);
        List<String> roles = new ArrayList<>();
        c.path("nodes").forEach(n -> roles.add(n.path("role").asText()));
        assertThat(roles).containsOnlyOnce("leader").contains("follower");
        assertThat(c.path("metadata").path("term").asLong()).isPositive();
        JsonNode p0 = null;
        for (JsonNode p : c.path("partitions")) if (p.path("partition").asInt() == 0) p0 = p;
        assertThat(p0.path("leader").asText()).isEqualTo(leader);
        assertThat(p0.path("replicas")).hasSize(3);
        for (JsonNode rep : p0.path("replicas")) assertThat(rep.path("lag").asLong()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void aNodeIsAddedAndRemovedOneAtATime() throws Exception {
        cluster = new LocalCluster(4, dir);
        String threePeers = cluster.peers(3);
        for (int i = 0; i < 3; i++) cluster.start(i, threePeers, Map.of());
        for (int i = 0; i < 3; i++) cluster.awaitReady(i);
        cluster.createTopic("before", 1, 3);

        // n4 starts knowing everyone (itself included) and joins: it learns the history from the leader.
        cluster.start(3, cluster.peers(4), Map.of(), List.of("--join"));
        String add = "{\"id\":\"n4\",\"peer_address\":\"127.0.0.1:" + cluster.peerPorts[3] + "\",\"http_url\":\""
                + cluster.url(3) + "\"}";
        LocalCluster.Reply added = cluster.follow("POST", cluster.url(0) + "/cluster/nodes", add, Duration.ofSeconds(60));
        assertThat(added).isNotNull();
        assertThat(added.status()).as("add: %s", added.body()).isEqualTo(200);
        cluster.awaitReady(3);
        LocalCluster.await(() -> {
            JsonNode c = cluster.get(3, "/cluster").body();
            List<String> ids = new ArrayList<>();
            c.path("nodes").forEach(n -> ids.add(n.path("id").asText() + ":" + n.path("role").asText()));
            return ids.contains("n4:follower") || ids.contains("n4:leader");
        }, () -> "n4 is a voter: " + cluster.get(3, "/cluster").body());
        // The joined node applied the same history, so it serves the topic created before it joined.
        assertThat(cluster.get(3, "/broker/topics/before").status()).isEqualTo(200);

        // A topic over all four nodes uses n4 too; writes through n4 reach the leaders.
        cluster.createTopic("spread", 4, 3);
        JsonNode spread = cluster.get(3, "/broker/topics/spread").body();
        int onN4 = 0;
        for (JsonNode p : spread.path("partitions")) {
            for (JsonNode r : p.path("replicas")) if (r.asText().equals("n4")) onN4++;
        }
        assertThat(onN4).as("replicas placed on n4").isPositive();
        for (int p = 0; p < 4; p++) assertThat(produce("spread", p, "x" + p, "x" + p, "majority", Duration.ofSeconds(30))).isEqualTo(0);

        // n4 holds replicas: the removal answers 202 and moves them to n1..n3 before n4 leaves
        // (NodeRemovalIT checks the moved data); a node holding none leaves at once (200).
        LocalCluster.Reply removed = cluster.follow("DELETE", cluster.url(0) + "/cluster/nodes/n4", null, Duration.ofSeconds(30));
        assertThat(removed.status()).as("remove: %s", removed.body()).isEqualTo(202);
        LocalCluster.await(() -> {
            JsonNode c = cluster.get(0, "/cluster").body();
            return c.path("nodes").size() == 3 && c.path("removal").isNull();
        }, () -> "n4 gone: " + cluster.get(0, "/cluster").body(), Duration.ofSeconds(180));
        assertThat(produce("before", 0, "still", "still", "majority", Duration.ofSeconds(30))).isEqualTo(0);
        for (int p = 0; p < 4; p++) assertThat(produce("spread", p, "y" + p, "y" + p, "majority", Duration.ofSeconds(30))).isEqualTo(1);
        LocalCluster.Reply again = cluster.follow("DELETE", cluster.url(0) + "/cluster/nodes/n4", null, Duration.ofSeconds(30));
        assertThat(again.status()).as("removing a removed node: %s", again.body()).isEqualTo(404);
    }

    @Test
    void aFollowerBehindTheLeadersLogStartInstallsASnapshotAndKeepsGroupOffsets() throws Exception {
        cluster = new LocalCluster(3, dir);
        cluster.nodeArgs.addAll(List.of("--segment-bytes", "4096", "--max-record-bytes", "1024"));
        cluster.startAll();
        cluster.createTopic("snap", 1, 3);
        String leader = cluster.leaderOf("snap", 0);
        int follower = (cluster.indexOf(leader) + 1) % 3;
        cluster.kill(follower);
        Map<String, Long> acked = new ConcurrentHashMap<>();
        String pad = "p".repeat(200);
        for (int k = 0; k < 200; k++) acked.put(pad + k, produce("snap", 0, pad + k, "s" + k, "majority", Duration.ofSeconds(30)));
        int leaderIdx = cluster.indexOf(cluster.leaderOf("snap", 0));
        LocalCluster.Reply commit = cluster.follow("POST", cluster.url(leaderIdx) + "/broker/commit",
                "{\"topic\":\"snap\",\"group\":\"g1\",\"partition\":0,\"offset\":150}", Duration.ofSeconds(10));
        assertThat(commit.status()).as("commit: %s", commit.body()).isEqualTo(200);
        LocalCluster.Reply cut = cluster.follow("POST", cluster.url(leaderIdx) + "/broker/delete-before",
                "{\"topic\":\"snap\",\"partition\":0,\"before_offset\":120}", Duration.ofSeconds(10));
        assertThat(cut.status()).as("delete-before: %s", cut.body()).isEqualTo(200);
        long logStart = cut.body().path("log_start").asLong();
        assertThat(logStart).as("whole sealed segments were deleted").isPositive();

        cluster.start(follower);
        cluster.awaitReady(follower);
        long hw = cluster.highWatermark(leaderIdx, "snap", 0);
        LocalCluster.await(() -> cluster.highWatermark(follower, "snap", 0) >= hw,
                () -> "follower catches up past the log start via a snapshot; hw " + cluster.highWatermark(follower, "snap", 0)
                        + " of " + hw + "; follower log:\n" + cluster.tail(follower) + "\nleader log:\n" + cluster.tail(leaderIdx));
        // An explicit offset makes the follower answer from its own state (a group resume without
        // one is a leader read and would be redirected), so this sees what the snapshot brought.
        JsonNode page = cluster.get(follower, "/broker/consume/snap/g1/0?offset=" + logStart).body();
        assertThat(page.path("committed_offset").asLong()).as("group offset came with the snapshot").isEqualTo(150);
        LocalCluster.Reply resume = cluster.get(follower, "/broker/consume/snap/g1/0");
        assertThat(resume.status()).as("a group resume on a follower goes to the leader: %s", resume.body()).isEqualTo(307);
        // The snapshot is taken at the deletion boundary, so the follower keeps the same retained records.
        LocalCluster.Reply f0 = cluster.get(follower, "/broker/consume/snap/x/0?offset=0");
        long followerStart = f0.body().path("log_start").asLong();
        assertThat(followerStart).as("follower log start equals the leader's").isEqualTo(logStart);
        // Writes after the install replicate normally and both logs agree on every offset they both hold.
        for (int k = 0; k < 20; k++) acked.put("after" + k, produce("snap", 0, "after" + k, "after" + k, "all", Duration.ofSeconds(30)));
        long hw2 = cluster.highWatermark(leaderIdx, "snap", 0);
        LocalCluster.await(() -> cluster.highWatermark(follower, "snap", 0) >= hw2, () -> "follower follows after the snapshot");
        LocalCluster.Reply f = cluster.get(follower, "/broker/consume/snap/x/0?offset=" + followerStart + "&limit=10000");
        LocalCluster.Reply l = cluster.get(leaderIdx, "/broker/consume/snap/x/0?offset=" + followerStart + "&limit=10000");
        assertThat(f.body().path("messages").size()).as("follower page %s; leader page %s", f.body(), l.body())
                .isEqualTo((int) (hw2 - followerStart));
        assertThat(f.body().path("messages")).isEqualTo(l.body().path("messages"));
    }

    @Test
    void writeConcernsWithAFollowerDown() throws Exception {
        start3();
        cluster.createTopic("w", 1, 3);
        assertThat(produce("w", 0, "all-up", "all-up", "all", Duration.ofSeconds(30))).isEqualTo(0);
        int leader = cluster.indexOf(cluster.leaderOf("w", 0));
        cluster.kill((leader + 1) % 3);
        String base = cluster.url(leader) + "/broker/topics/w/produce?partition=0&timeout_ms=1500&acks=";
        LocalCluster.Reply all = cluster.request("POST", base + "all&idempotency_key=a", "a", Duration.ofSeconds(10));
        assertThat(all.status()).as("acks=all with a voter down: %s", all.body()).isEqualTo(504);
        assertThat(all.body().path("outcome").asText()).isEqualTo("unknown");
        LocalCluster.Reply majority = cluster.request("POST", base + "majority&idempotency_key=m", "m", Duration.ofSeconds(10));
        assertThat(majority.status()).as("acks=majority: %s", majority.body()).isEqualTo(200);
        LocalCluster.Reply lead = cluster.request("POST", base + "leader&idempotency_key=l", "l", Duration.ofSeconds(10));
        assertThat(lead.status()).as("acks=leader: %s", lead.body()).isEqualTo(200);
        // The acks=all write was committed by the majority after all: retrying its key returns it as a duplicate.
        LocalCluster.Reply retry = cluster.request("POST", base + "majority&idempotency_key=a", "a", Duration.ofSeconds(10));
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.body().path("duplicate").asBoolean()).isTrue();
        assertThat(retry.body().path("offset").asLong()).isEqualTo(1);
    }
}
