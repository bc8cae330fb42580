package io.cairn.bench.scenario;

import io.cairn.bench.node.BareNettyProcess;
import io.cairn.bench.node.Http;
import io.cairn.bench.node.NodeProcess;
import io.cairn.bench.report.Fmt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code cairn bench restart}: write ~8 million records, SIGKILL the node mid-life, start it
 * again on the same data and time (from the spawn) until {@code /health} answers, until
 * {@code /ready} is 200, and until the first consume returns a record, {@code --restarts} times.
 * The time for a bare JVM with Netty to come up, started with the launcher's JVM options, is
 * measured right before each restart, as the floor no recovery can beat under the same load.
 */
@Command(name = "restart", mixinStandardHelpOptions = true,
        description = "Write ~8M records, SIGKILL, time start → /ready 200 and first consume.")
public final class RestartScenario implements Callable<Integer> {
    /** How long a restarting node may take before the scenario reports it as stuck. */
    static final long RESTART_TIMEOUT_MS = 300_000;
    /** Poll interval while timing the restart: fine enough for a 2 s target. */
    static final long POLL_MS = 5;
    /** Most {@code --restarts}: each round costs a JVM start or two, so more is only noise. */
    static final int RESTARTS_MAX = 20;
    /** How long the floor's JVM gets to exit (and write its class-data archive) when stopped. */
    static final long FLOOR_STOP_MS = 30_000;

    @ParentCommand
    io.cairn.bench.BenchMain main;

    @Mixin
    PrefillOptions opts;

    @Option(names = "--restarts", defaultValue = "3",
            description = "SIGKILL + restart rounds on the same data, each next to a floor measurement (default ${DEFAULT-VALUE})")
    int restarts;

    @Override
    public Integer call() throws Exception {
        if (restarts < 1 || restarts > RESTARTS_MAX) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--restarts must be between 1 and " + RESTARTS_MAX + ", got " + restarts);
        }
        CommonOptions dirs = opts.dirs();
        Path work = dirs.workDir();
        Report rep = new Report("restart — " + Fmt.rate(opts.records) + " records of " + opts.valueBytes + " B, SIGKILL, restart");
        try {
            return rep.runAndPrint(() -> {
                // The floor's JVM gets its class-data archive as the node has its own (the launcher
                // makes the node's before the first start after a build); made by an untimed run when missing.
                BareNettyProcess.ensureArchive(main.cairn(), FLOOR_STOP_MS);
                try (NodeProcess node = new NodeProcess(main.cairn(), NodeProcess.freePort(), work.resolve("node1"),
                        List.of(), opts.jvmOpts)) {
                    node.start();
                    node.awaitOk("/ready", RESTART_TIMEOUT_MS, 50);
                    Nodes.createTopic(node, Nodes.TOPIC, 1, 1);
                    Prefill.Result fill = Prefill.run(node, Nodes.TOPIC, 0, null, opts.records, opts.valueBytes);
                    rep.figure("prefill (NDJSON " + Fmt.rate(Prefill.BATCH_RECORDS) + "/request, " + Prefill.WRITERS + " writers)",
                            "", Fmt.rate(fill.perSecond()) + " records/s",
                            Fmt.rate(fill.records()) + " records in " + Fmt.seconds(fill.seconds())
                                    + (fill.unknownOutcomes() == 0 ? "" : "; " + fill.unknownOutcomes()
                                    + " batches answered 504 (outcome unknown) and were retried"));
                    long lastOffset = fill.records() - 1;
                    long bytes = sizeOf(node.dataDir());
                    for (int run = 1; run <= restarts; run++) {
                        node.kill();
                        String tag = restarts == 1 ? "" : " (run " + run + ")";
                        measureFloor(rep, tag);
                        String load = Report.loadAverage();
                        long start = node.start();
                        long health = node.awaitOk("/health", RESTART_TIMEOUT_MS, POLL_MS);
                        long ready = node.awaitOk("/ready", RESTART_TIMEOUT_MS, POLL_MS);
                        long cpuAtReady = node.cpuMillis();
                        long consumed = awaitConsume(node, 0);
                        rep.figure("restart: spawn → /health 200" + tag, "after SIGKILL", Fmt.seconds((health - start) / 1e9), "");
                        rep.figure("restart: spawn → /ready 200" + tag, "after SIGKILL", Fmt.seconds((ready - start) / 1e9),
                                "target ≤ 2 s with ~8M records; data dir " + Fmt.rate(bytes / (1024 * 1024)) + " MiB; node CPU until"
                                        + " /ready " + cpuSeconds(cpuAtReady) + "; load avg before " + load);
                        rep.figure("restart: spawn → first consume (offset 0)" + tag, "after SIGKILL",
                                Fmt.seconds((consumed - start) / 1e9), "");
                    }
                    Http.Response tail = Http.get(node.baseUrl() + "/broker/consume/" + Nodes.TOPIC + "/bench-check/0?offset="
                            + lastOffset + "&limit=1");
                    rep.figure("last acknowledged record readable after restart", "", tail.ok() && tail.body().contains("\"count\":1")
                            ? "yes" : "NO", "consume offset " + lastOffset + " → " + tail.status());
                    rep.footnote("node: `" + String.join(" ", node.commandLine()) + "` with the launcher's JVM options `"
                            + node.jvmOpts() + "`; times are from the spawn of the node's JVM"
                            + " (`java … -jar cairn-server.jar start …` as the launcher runs it: JVM start + recovery),"
                            + " polled every " + POLL_MS + " ms; node CPU is all its threads (JIT and GC included)");
                    rep.footnote("floor: `BareNettyServer` in its own JVM with the same launcher options"
                            + (node.jvmOpts().contains("SharedArchiveFile") ? " (its own class-data archive, made by an"
                            + " untimed run)" : "") + ", spawn until it prints that it listens");
                }
            });
        } finally {
            dirs.cleanUp();
        }
    }

    /** Times one bare JVM + Netty start (the floor), measured right before a restart so both see the same load. */
    private void measureFloor(Report rep, String tag) throws Exception {
        long t0 = System.nanoTime();
        try (BareNettyProcess floor = BareNettyProcess.startLikeLauncher(1, main.cairn())) {
            long listening = System.nanoTime();
            rep.figure("floor: bare JVM + Netty listening" + tag, "own JVM, launcher options",
                    Fmt.seconds((listening - t0) / 1e9), "no recovery can be faster than this; CPU " + cpuSeconds(floor.cpuMillis()));
            floor.stopCleanly(FLOOR_STOP_MS);
        }
    }

    private static String cpuSeconds(long ms) {
        return ms < 0 ? "unknown" : Fmt.seconds(ms / 1e3);
    }

    /** Polls a consume at {@code offset} until it returns a record; returns nanoTime of that answer. */
    static long awaitConsume(NodeProcess node, long offset) throws Exception {
        long deadline = System.nanoTime() + RESTART_TIMEOUT_MS * 1_000_000L;
        String url = node.baseUrl() + "/broker/consume/" + Nodes.TOPIC + "/bench-check/0?offset=" + offset + "&limit=1";
        while (true) {
            Http.Response r = Http.tryGet(url);
            long now = System.nanoTime();
            if (r != null && r.ok() && !r.body().contains("\"count\":0")) {
                return now;
            }
            if (now > deadline) {
                throw new IllegalStateException("no record at offset " + offset + " within " + RESTART_TIMEOUT_MS
                        + " ms; last " + (r == null ? "no answer" : r.status() + " " + r.body()));
            }
            Thread.sleep(POLL_MS);
        }
    }

    static long sizeOf(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
