package io.cairn.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.bench.node.Http;
import io.cairn.bench.node.NodeProcess;
import io.cairn.bench.report.Fmt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * {@code cairn bench catchup}: on a local 3-node cluster, SIGKILL one follower, write ~8 million
 * records at {@code acks=majority} to the leader, restart the follower and time until the
 * leader's {@code GET /cluster} shows the follower's replica with zero lag (its log matches the
 * leader's).
 */
@Command(name = "catchup", mixinStandardHelpOptions = true,
        description = "3 nodes: a follower misses ~8M records; time until its log matches the leader's.")
public final class CatchupScenario implements Callable<Integer> {
    static final long CATCHUP_TIMEOUT_MS = 600_000;
    static final long POLL_MS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    io.cairn.bench.BenchMain main;

    @Mixin
    PrefillOptions opts;

    @Override
    public Integer call() throws Exception {
        CommonOptions dirs = opts.dirs();
        Path work = dirs.workDir();
        Report rep = new Report("catchup — a follower misses " + Fmt.rate(opts.records) + " records of " + opts.valueBytes
                + " B, 3 local nodes");
        return rep.runAndPrint(() -> {
            try (LocalCluster c = new LocalCluster(main.cairn(), work, 3, opts.jvmOpts)) {
                c.start();
                Nodes.createTopic(c.nodes.get(0), Nodes.TOPIC, 1, 3);
                NodeProcess leader = c.leaderOf(Nodes.TOPIC, 0, "majority");
                NodeProcess follower = c.nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
                String followerId = c.idOf(follower);
                follower.kill();
                Prefill.Result fill = Prefill.run(leader, Nodes.TOPIC, 0, "majority", opts.records, opts.valueBytes);
                rep.figure("prefill with one follower down (acks=majority)", "", Fmt.rate(fill.perSecond()) + " records/s",
                        Fmt.rate(fill.records()) + " records in " + Fmt.seconds(fill.seconds()));
                long lagBefore = lagOf(leader, followerId);
                long start = follower.start();
                long caughtUp = awaitZeroLag(leader, followerId);
                rep.figure("follower " + followerId + ": spawn → lag 0 on the leader", "after SIGKILL + " + Fmt.rate(opts.records)
                        + " missed", Fmt.seconds((caughtUp - start) / 1e9), "target ≤ 10 s; lag before restart: " + lagBefore);
                rep.figure("catch-up rate", "", Fmt.rate(fill.records() / ((caughtUp - start) / 1e9)) + " records/s",
                        "includes JVM start and recovery of the follower");
                for (String cmd : c.commandLines()) {
                    rep.footnote("node: `" + cmd + "`");
                }
            } finally {
                dirs.cleanUp();
            }
        });
    }

    /**
     * The follower's lag for the bench topic as the leader reports it in {@code GET /cluster}:
     * every JSON object naming the follower's id that carries a numeric {@code lag} counts; the
     * largest is returned. Fails clearly if the answer has no such field, rather than guessing.
     */
    static long lagOf(NodeProcess leader, String followerId) throws Exception {
        Http.Response r = Http.get(leader.baseUrl() + "/cluster");
        if (!r.ok()) {
            throw new IllegalStateException("GET /cluster answered " + r.status() + " " + r.body());
        }
        List<Long> lags = new ArrayList<>();
        collectLags(JSON.readTree(r.body()), followerId, lags);
        if (lags.isEmpty()) {
            throw new IllegalStateException("GET /cluster names no replica " + followerId + " with a numeric lag: " + r.body());
        }
        return lags.stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    private static void collectLags(JsonNode n, String id, List<Long> out) {
        if (n.isObject()) {
            boolean names = false;
            for (var it = n.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getValue().isTextual() && e.getValue().asText().equals(id)) {
                    names = true;
                }
            }
            if (names && n.path("lag").isNumber()) {
                out.add(n.path("lag").asLong());
            }
            // A map keyed by node id ({"n2": {"lag": 5}}) counts too.
            JsonNode keyed = n.get(id);
            if (keyed != null && keyed.path("lag").isNumber()) {
                out.add(keyed.path("lag").asLong());
            }
        }
        for (JsonNode child : n) {
            collectLags(child, id, out);
        }
    }

    static long awaitZeroLag(NodeProcess leader, String followerId) throws Exception {
        long deadline = System.nanoTime() + CATCHUP_TIMEOUT_MS * 1_000_000L;
        while (true) {
            long lag = lagOf(leader, followerId);
            long now = System.nanoTime();
            if (lag == 0) {
                return now;
            }
            if (now > deadline) {
                throw new IllegalStateException("follower " + followerId + " still " + lag + " behind after "
                        + CATCHUP_TIMEOUT_MS + " ms");
            }
            Thread.sleep(POLL_MS);
        }
    }
}
