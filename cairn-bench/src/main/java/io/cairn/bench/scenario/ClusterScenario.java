package io.cairn.bench.scenario;

import io.cairn.bench.baseline.FsyncBaseline;
import io.cairn.bench.load.HttpLoadGenerator;
import io.cairn.bench.load.LoadResult;
import io.cairn.bench.load.Transport;
import io.cairn.bench.load.Workloads;
import io.cairn.bench.node.NodeProcess;
import io.cairn.bench.report.Fmt;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code cairn bench cluster}: a local 3-node cluster, single-record produce at
 * {@code acks=majority} (fsynced on 2 of 3 before ack) against the partition leader, next to
 * the leader's own no-op endpoint and the disk's raw fsync rate. All three nodes share this
 * machine's CPU and disk, so the figures are a floor for real hardware, not a projection.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Local 3-node cluster: produce 64 B values at acks=majority, plus no-op and raw fsync baselines.")
public final class ClusterScenario implements Callable<Integer> {
    @ParentCommand
    io.cairn.bench.BenchMain main;

    @Mixin
    CommonOptions opts;

    @Option(names = "--nodes", description = "cluster size (default ${DEFAULT-VALUE})")
    int nodes = 3;

    @Option(names = "--rate", description = "open-loop rate in msg/s; 0 skips (default ${DEFAULT-VALUE}, issue 7's target)")
    long rate = 25_000;

    @Override
    public Integer call() throws Exception {
        Report rep = new Report("cluster — " + nodes + " local nodes, acks=majority, " + opts.valueBytes + " B values, "
                + opts.connections + " connections");
        Path work = opts.workDir();
        String conns = opts.connections + " conns";
        try {
            return rep.runAndPrint(() -> {
                FsyncBaseline.Result f64 = FsyncBaseline.run(work.resolve("fsync"), 64, opts.fsyncDuration);
                rep.fsync(f64);
                try (LocalCluster c = new LocalCluster(main.cairn(), work, nodes, opts.jvmOpts)) {
                    c.start();
                    Nodes.createTopic(c.nodes.get(0), Nodes.TOPIC, 1, nodes);
                    NodeProcess leader = c.leaderOf(Nodes.TOPIC, 0, "majority");
                    WindowProbe noopProbe = new WindowProbe(leader);
                    LoadResult noop = HttpLoadGenerator.run(
                            opts.closed(Workloads.noop(leader.address(), opts.connections, opts.valueBytes)), noopProbe);
                    double noopRate = noop.requestsPerSecond("noop");
                    rep.load("leader `POST /bench/noop`", "closed, " + conns, noop, "noop", "req/s", "HTTP ceiling on the leader");

                    var target = Workloads.Target.single(leader.address(), Nodes.TOPIC, 1, "majority");
                    WindowProbe probe = new WindowProbe(leader);
                    LoadResult closed = HttpLoadGenerator.run(
                            opts.closed(Workloads.produce(target, opts.connections, opts.valueBytes)), probe);
                    double produceRate = closed.recordsPerSecond("produce");
                    rep.load("produce " + opts.valueBytes + " B, acks=majority", "closed, " + conns, closed, "produce", "msg/s",
                            Fmt.percent(produceRate, noopRate) + " of leader no-op; "
                                    + String.format(java.util.Locale.ROOT, "%.1f×", produceRate / f64.perSecond())
                                    + " raw 64 B fsync rate");
                    SingleScenario.serverRows(rep, probe);
                    SingleScenario.gcRow(rep, "closed-loop window (leader " + c.idOf(leader) + ")", probe.nodeGc(), probe);
                    if (rate > 0) {
                        WindowProbe openProbe = new WindowProbe(leader);
                        LoadResult open = HttpLoadGenerator.run(
                                opts.open(Workloads.produce(target, opts.connections, opts.valueBytes), rate), openProbe);
                        rep.load("produce " + opts.valueBytes + " B, acks=majority", "open @ " + Fmt.rate(rate) + "/s, " + conns,
                                open, "produce", "msg/s", "latency from intended send time (coordinated omission corrected); "
                                    + Fmt.percent(open.recordsPerSecond("produce"), rate) + " of the intended rate achieved");
                        SingleScenario.serverRows(rep, openProbe);
                        SingleScenario.gcRow(rep, "open-loop window (leader)", openProbe.nodeGc(), openProbe);
                    }
                    for (String cmd : c.commandLines()) {
                        rep.footnote("node: `" + cmd + "`");
                    }
                }
                rep.footnote("client: Netty " + Transport.name() + ", " + opts.clientThreads + " thread(s); warm-up "
                        + opts.warmup.toSeconds() + " s excluded, window " + opts.duration.toSeconds() + " s per row");
            });
        } finally {
            opts.cleanUp();
        }
    }
}
