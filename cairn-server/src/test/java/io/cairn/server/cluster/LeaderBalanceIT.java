package io.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leader balancing with real node processes: after a node restarts, the partitions it led stay on
 * the survivors until leadership is handed back to each partition's preferred leader, either
 * automatically once the restarted node has been healthy for {@code --leader-rebalance-delay-ms},
 * or on {@code POST /cluster/rebalance}.
 */
class LeaderBalanceIT {
    static final String TOPIC = "spread";
    static final int PARTITIONS = 6;

    @TempDir Path dir;
    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void leadersSpreadAgainByThemselvesAfterARestart() throws Exception {
        cluster = new LocalCluster(3, dir);
        cluster.nodeArgs.addAll(List.of("--leader-rebalance-delay-ms", "1500"));
        failOverAndRestartN1();
        LocalCluster.await(() -> balanced(leaderCounts()), () -> "leaders spread 2/2/2 again: " + leaderCounts(),
                Duration.ofSeconds(90));
        assertThat(cluster.produce(TOPIC, 0, "after", "after", Duration.ofSeconds(30))).isGreaterThanOrEqualTo(0);
    }

    @Test
    void rebalanceOnRequestSpreadsLeaders() throws Exception {
        cluster = new LocalCluster(3, dir);
        cluster.nodeArgs.addAll(List.of("--leader-rebalance-delay-ms", "0"));
        failOverAndRestartN1();
        rebalanceUntilSpread();
        LocalCluster.Reply again = cluster.follow("POST", cluster.url(2) + "/cluster/rebalance?scope=node", null,
                Duration.ofSeconds(30));
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().path("moved")).as("nothing left to move: %s", again.body()).isEmpty();
        LocalCluster.Reply bad = cluster.request("POST", cluster.url(0) + "/cluster/rebalance?scope=everything", null,
                Duration.ofSeconds(10));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(cluster.produce(TOPIC, 1, "after", "after", Duration.ofSeconds(30))).isGreaterThanOrEqualTo(0);
    }

    /**
     * A restarted replica must catch up before it may lead again, and the request moves only ready
     * replicas, so it is repeated (bounded by the deadline) until every partition is back.
     */
    private void rebalanceUntilSpread() {
        LocalCluster.await(() -> {
            if (balanced(leaderCounts())) return true;
            LocalCluster.Reply r = cluster.follow("POST", cluster.url(1) + "/cluster/rebalance", null, Duration.ofSeconds(30));
            assertThat(r).isNotNull();
            assertThat(r.status()).as("rebalance: %s", r.body()).isEqualTo(200);
            assertThat(r.body().path("unreachable")).as("every node answered: %s", r.body()).isEmpty();
            return balanced(leaderCounts());
        }, () -> "leaders spread 2/2/2 after POST /cluster/rebalance: " + leaderCounts(), Duration.ofSeconds(90));
    }

    /** Starts the cluster with leaders spread as placed, kills n1 until its partitions failed over, restarts it. */
    private void failOverAndRestartN1() throws Exception {
        cluster.startAll();
        cluster.createTopic(TOPIC, PARTITIONS, 3);
        // Preferred leaders campaign first on a new topic; should one lose that race, ask.
        rebalanceUntilSpread();
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(cluster.produce(TOPIC, p, "r" + p, "r" + p, Duration.ofSeconds(30))).isEqualTo(0);
        }
        cluster.kill(0);
        LocalCluster.await(() -> {
            List<String> leaders = cluster.leaders(1, TOPIC);
            return leaders.size() == PARTITIONS && leaders.stream().allMatch(l -> "n2".equals(l) || "n3".equals(l));
        }, () -> "every partition led by n2 or n3: " + cluster.leaders(1, TOPIC));
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(cluster.produce(TOPIC, p, "s" + p, "s" + p, Duration.ofSeconds(30))).isEqualTo(1);
        }
        cluster.start(0);
        cluster.awaitReady(0);
    }

    /** Partitions led per node, as n2 sees them (every node holds every partition here). */
    private Map<String, Integer> leaderCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (String l : cluster.leaders(1, TOPIC)) counts.merge(Objects.requireNonNullElse(l, "none"), 1, Integer::sum);
        return counts;
    }

    private static boolean balanced(Map<String, Integer> counts) {
        return counts.equals(Map.of("n1", 2, "n2", 2, "n3", 2));
    }
}
