package io.cairn.bench.scenario;

import io.cairn.bench.load.ConnectionPlan;
import io.cairn.bench.load.LoadSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** Flags every load scenario shares; defaults are issue 7's (64-byte values, 64 connections). */
public final class CommonOptions {
    @Option(names = "--connections", description = "keep-alive connections, one request in flight each (default ${DEFAULT-VALUE})")
    public int connections = 64;

    @Option(names = "--value-bytes", description = "record value size (default ${DEFAULT-VALUE})")
    public int valueBytes = 64;

    @Option(names = "--warmup", converter = DurationConverter.class,
            description = "warm-up before each measured window, excluded from results (default 15s; cluster 45s)")
    public Duration warmup;

    /**
     * Sets the scenario's warm-up unless {@code --warmup} was given. Called first by each scenario.
     */
    public void defaultWarmup(Duration scenarioDefault) {
        if (warmup == null) {
            warmup = scenarioDefault;
        }
    }

    /**
     * The warm-up in effect: {@code --warmup}, else the scenario's default, else 15 s (with 5 s the
     * JIT was still compiling the produce path inside the measured window on this 2-core box).
     */
    public Duration warmup() {
        return warmup == null ? Duration.ofSeconds(15) : warmup;
    }

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "measured window of each load row (default 15s)")
    public Duration duration = Duration.ofSeconds(15);

    @Option(names = "--drain-timeout", converter = DurationConverter.class,
            description = "wait for in-flight requests after a window; the rest count as unfinished (default 10s)")
    public Duration drainTimeout = Duration.ofSeconds(10);

    @Option(names = "--client-threads", description = "load generator event-loop threads (default ${DEFAULT-VALUE})")
    public int clientThreads = 1;

    @Option(names = "--fsync-duration", converter = DurationConverter.class,
            description = "length of each raw write+fsync baseline loop (default 3s)")
    public Duration fsyncDuration = Duration.ofSeconds(3);

    @Option(names = "--work-dir", description = "where node data and logs go (default: a new temp dir)")
    public Path workDir;

    @Option(names = "--keep", description = "keep the work dir (data, node.log, gc.log) afterwards")
    public boolean keep;

    @Option(names = "--jvm-opts", description = "extra JVM options for nodes, e.g. JFR: -XX:StartFlightRecording=filename=x.jfr")
    public String jvmOpts = "";

    public LoadSpec closed(List<ConnectionPlan> plans) {
        return new LoadSpec(plans, 0, warmup(), duration, drainTimeout, clientThreads);
    }

    public LoadSpec open(List<ConnectionPlan> plans, long ratePerSecond) {
        return new LoadSpec(plans, ratePerSecond, warmup(), duration, drainTimeout, clientThreads);
    }

    public Path workDir() throws IOException {
        if (workDir == null) {
            workDir = Files.createTempDirectory("cairn-bench-");
        }
        Files.createDirectories(workDir);
        return workDir;
    }

    /** Deletes the work dir unless {@code --keep}; says where it is if kept. */
    public void cleanUp() {
        if (workDir == null) {
            return;
        }
        if (keep) {
            System.err.println("cairn-bench: kept " + workDir);
            return;
        }
        try (var paths = Files.walk(workDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("cairn-bench: could not delete " + workDir + ": " + e);
        }
    }
}
