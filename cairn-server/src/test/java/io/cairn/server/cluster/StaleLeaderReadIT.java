package io.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos finding COMMIT_REGRESSED on real processes: a partition leader is frozen (SIGSTOP), a
 * new leader is elected and takes a higher group commit, then the old leader resumes (SIGCONT)
 * still believing it leads. A group resume it is asked at that moment must not come from its
 * stale state: it answers the new commit (after a quorum confirmed it, which it cannot), a
 * redirect, or 503, never the older offset.
 */
class StaleLeaderReadIT {
    @TempDir Path dir;
    private LocalCluster cluster;
    private Process stopped;

    @AfterEach
    void stop() throws Exception {
        if (stopped != null) signal(stopped, "CONT"); // So close() need not kill a frozen JVM.
        if (cluster != null) cluster.close();
    }

    private static void signal(Process p, String sig) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %s", sig, p.pid()).isTrue();
    }

    private LocalCluster.Reply commit(int node, long offset) {
        return cluster.follow("POST", cluster.url(node) + "/broker/commit",
                "{\"topic\":\"s\",\"group\":\"g\",\"partition\":0,\"offset\":" + offset + "}", Duration.ofSeconds(10));
    }

    @Test
    void aFrozenLeaderThatResumesNeverServesAStaleGroupResume() throws Exception {
        cluster = new LocalCluster(3, dir);
        cluster.startAll();
        cluster.createTopic("s", 1, 3);
        for (int k = 0; k < 30; k++) {
            assertThat(cluster.produce("s", 0, "v" + k, "k" + k, Duration.ofSeconds(30))).as("record %s", k).isEqualTo(k);
        }
        int old = cluster.indexOf(cluster.leaderOf("s", 0));
        assertThat(commit(old, 5).status()).isEqualTo(200);

        stopped = cluster.processes[old];
        signal(stopped, "STOP");
        int other = (old + 1) % 3;
        LocalCluster.await(() -> {
            String leader = cluster.leaders(other, "s").get(0);
            return leader != null && !leader.equals(cluster.ids[old]);
        }, () -> "a new leader without " + cluster.ids[old]);
        LocalCluster.await(() -> {
            LocalCluster.Reply r = commit(other, 20);
            return r != null && r.status() == 200;
        }, () -> "the commit of 20 via the new leader");

        // Sent while the old leader is frozen, so the request is waiting in its socket the moment it
        // resumes: before it has processed anything that would tell it about the new term.
        HttpRequest resume = HttpRequest.newBuilder(URI.create(cluster.url(old) + "/broker/consume/s/g/0"))
                .timeout(Duration.ofSeconds(30)).GET().build();
        CompletableFuture<HttpResponse<String>> answer = cluster.http.sendAsync(resume, HttpResponse.BodyHandlers.ofString());
        signal(stopped, "CONT");
        stopped = null;
        HttpResponse<String> r = answer.get(60, TimeUnit.SECONDS);
        JsonNode body = r.body().isEmpty() ? null : LocalCluster.JSON.readTree(r.body());
        assertThat(r.statusCode()).as("the old leader's answer: %s %s", r.statusCode(), r.body()).isIn(200, 307, 503);
        if (r.statusCode() == 200) {
            assertThat(body.path("messages").path(0).path("offset").asLong())
                    .as("the resume starts after the newest commit: %s", r.body()).isEqualTo(21);
        }
        // The group resumes after the newest commit once the client follows the redirect.
        LocalCluster.await(() -> {
            LocalCluster.Reply again = cluster.follow("GET", cluster.url(old) + "/broker/consume/s/g/0", null, Duration.ofSeconds(10));
            if (again == null || again.status() == 503) return false;
            assertThat(again.status()).as("resume: %s", again.body()).isEqualTo(200);
            assertThat(again.body().path("messages").path(0).path("offset").asLong()).as("resume: %s", again.body()).isEqualTo(21);
            return true;
        }, () -> "a resume after the newest commit");
    }
}
