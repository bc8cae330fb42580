package io.cairn.bench.scenario;

import io.cairn.bench.baseline.FsyncBaseline;
import io.cairn.bench.load.HttpLoadGenerator;
import io.cairn.bench.load.LoadResult;
import io.cairn.bench.load.Transport;
import io.cairn.bench.load.Workloads;
import io.cairn.bench.node.BareNettyProcess;
import io.cairn.bench.node.NodeProcess;
import io.cairn.bench.report.Fmt;
import io.cairn.bench.report.GcLog;
import io.cairn.bench.report.ServerTimings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code cairn bench single}: a fresh node in a temp dir, single-record produce with fsync
 * before ack at maximum (closed-loop) and at a fixed rate (open-loop, coordinated-omission
 * corrected), next to its three ceilings measured in the same run: the disk's raw fsync rate,
 * a bare Netty no-op server, and the node's own {@code /bench/noop} on the same HTTP stack.
 */
@Command(name = "single", mixinStandardHelpOptions = true,
        description = "One fresh node: produce 64 B values with fsync before ack, plus no-op and raw fsync baselines.")
public final class SingleScenario implements Callable<Integer> {
    @ParentCommand
    io.cairn.bench.BenchMain main;

    @Mixin
    CommonOptions opts;

    @Option(names = "--rate", description = "open-loop produce rate in msg/s; 0 skips the row (default ${DEFAULT-VALUE}, issue 7's target)")
    long rate = 40_000;

    @Option(names = "--headroom-percent", description = "a second open-loop row at this percentage of the "
            + "closed-loop maximum measured just before, so its tail is the server's and not a backlog of running "
            + "at the limit; 0 skips it (default ${DEFAULT-VALUE})")
    int headroomPercent = 75;

    @Option(names = "--partitions", description = "partitions of the bench topic (default ${DEFAULT-VALUE})")
    int partitions = 1;

    @Option(names = "--acks", description = "acks query parameter; empty uses the server default")
    String acks = "";

    @Option(names = "--no-consume", description = "skip the consume and mixed rows that run on the log the produce rows wrote")
    boolean noConsume;

    @Option(names = "--consume-limit", description = "records per consume request (default ${DEFAULT-VALUE})")
    int consumeLimit = 100;

    @Override
    public Integer call() throws Exception {
        Report rep = new Report("single — 1 node, fsync before ack, " + opts.valueBytes + " B values, "
                + opts.connections + " connections");
        Path work = opts.workDir();
        String conns = opts.connections + " conns";
        try {
            return rep.runAndPrint(() -> {
                FsyncBaseline.Result f64 = FsyncBaseline.run(work.resolve("fsync"), 64, opts.fsyncDuration);
                FsyncBaseline.Result f4k = FsyncBaseline.run(work.resolve("fsync"), 4096, opts.fsyncDuration);
                rep.fsync(f64);
                rep.fsync(f4k);

                LoadResult bare;
                WindowProbe bareProbe;
                try (BareNettyProcess b = BareNettyProcess.start(2)) {
                    bareProbe = new WindowProbe(b.pid());
                    bare = HttpLoadGenerator.run(
                            opts.closed(Workloads.noop(b.address(), opts.connections, opts.valueBytes)), bareProbe);
                }
                double bareRate = bare.requestsPerSecond("noop");
                rep.load("bare Netty no-op (own JVM, ZGC)", "closed, " + conns, bare, "noop", "req/s",
                        "HTTP ceiling without Cairn; " + bareProbe.cpuPerRequest(bareRate) + "; " + bareProbe.cpu());

                try (NodeProcess node = new NodeProcess(main.cairn(), NodeProcess.freePort(), work.resolve("node1"),
                        List.of(), opts.jvmOpts)) {
                    node.start();
                    node.awaitOk("/ready", 120_000, 50);
                    Nodes.createTopic(node, Nodes.TOPIC, partitions, 1);

                    WindowProbe noopProbe = new WindowProbe(node);
                    LoadResult noop = HttpLoadGenerator.run(
                            opts.closed(Workloads.noop(node.address(), opts.connections, opts.valueBytes)), noopProbe);
                    double noopRate = noop.requestsPerSecond("noop");
                    rep.load("node `POST /bench/noop`", "closed, " + conns, noop, "noop", "req/s",
                            Fmt.percent(noopRate, bareRate) + " of bare Netty; " + noopProbe.cpuPerRequest(noopRate) + "; "
                                + noopProbe.cpu());

                    var target = Workloads.Target.single(node.address(), Nodes.TOPIC, partitions, acks.isEmpty() ? null : acks);
                    WindowProbe closedProbe = new WindowProbe(node);
                    LoadResult closed = HttpLoadGenerator.run(
                            opts.closed(Workloads.produce(target, opts.connections, opts.valueBytes)), closedProbe);
                    double produceRate = closed.recordsPerSecond("produce");
                    rep.load("node produce " + opts.valueBytes + " B, fsync before ack", "closed, " + conns, closed, "produce",
                            "msg/s", Fmt.percent(produceRate, noopRate) + " of node no-op, "
                                    + Fmt.percent(produceRate, bareRate) + " of bare Netty, "
                                    + String.format(java.util.Locale.ROOT, "%.1f×", produceRate / f64.perSecond())
                                    + " raw 64 B fsync rate; " + closedProbe.cpuPerRequest(produceRate));
                    serverRows(rep, closedProbe);
                    gcRow(rep, "closed-loop produce window", closedProbe.nodeGc(), closedProbe);

                    if (rate > 0) {
                        WindowProbe openProbe = new WindowProbe(node);
                        LoadResult open = HttpLoadGenerator.run(
                                opts.open(Workloads.produce(target, opts.connections, opts.valueBytes), rate), openProbe);
                        rep.load("node produce " + opts.valueBytes + " B, fsync before ack",
                                "open @ " + Fmt.rate(rate) + "/s, " + conns, open, "produce", "msg/s",
                                "latency from intended send time (coordinated omission corrected); "
                                    + Fmt.percent(open.recordsPerSecond("produce"), rate) + " of the intended rate achieved; "
                                    // With one request in flight per connection the closed-loop rate is the most
                                    // this row can get: near it, any dip in the server's rate becomes a backlog.
                                    + "intended rate = " + Fmt.percent(rate, produceRate)
                                    + " of the closed-loop maximum above");
                        rep.timeline("produce", open, work.resolve("open-loop-timeline.csv"));
                        serverRows(rep, openProbe);
                        gcRow(rep, "open-loop produce window", openProbe.nodeGc(), openProbe);
                    }
                    if (headroomPercent < 0 || headroomPercent > 100) {
                        throw new IllegalArgumentException("--headroom-percent must be 0..100, was " + headroomPercent);
                    }
                    long headroomRate = Math.round(produceRate * headroomPercent / 100.0);
                    if (headroomPercent > 0 && headroomRate > 0) {
                        // With one request in flight per connection the closed-loop rate is a hard
                        // ceiling for open-loop; near it a short dip in throughput turns into a backlog
                        // that drains slowly and dominates the percentiles. This row keeps headroom.
                        WindowProbe headProbe = new WindowProbe(node);
                        LoadResult head = HttpLoadGenerator.run(
                                opts.open(Workloads.produce(target, opts.connections, opts.valueBytes), headroomRate), headProbe);
                        rep.load("node produce " + opts.valueBytes + " B, fsync before ack",
                                "open @ " + Fmt.rate(headroomRate) + "/s (" + headroomPercent + "% of closed), " + conns,
                                head, "produce", "msg/s",
                                "latency from intended send time (coordinated omission corrected); "
                                    + Fmt.percent(head.recordsPerSecond("produce"), headroomRate)
                                    + " of the intended rate achieved");
                        rep.timeline("produce", head, work.resolve("open-loop-headroom-timeline.csv"));
                        serverRows(rep, headProbe);
                        gcRow(rep, "open-loop produce window, " + headroomPercent + "% of closed", headProbe.nodeGc(), headProbe);
                    }
                    if (!noConsume) {
                    long records = Nodes.minHighWatermark(node, Nodes.TOPIC);
                    WindowProbe consumeProbe = new WindowProbe(node);
                    LoadResult cons = HttpLoadGenerator.run(opts.closed(
                            Workloads.consume(target, opts.connections, consumeLimit, records)), consumeProbe);
                    rep.load("node consume, pages of " + consumeLimit, "closed, " + conns, cons, "consume", "req/s",
                            Fmt.rate(cons.requestsPerSecond("consume") * consumeLimit) + " records/s (full pages) from "
                                    + Fmt.rate(records) + " records; " + consumeProbe.cpu());
                    WindowProbe mixedProbe = new WindowProbe(node);
                    LoadResult mixed = HttpLoadGenerator.run(opts.closed(
                            Workloads.mixed(target, opts.connections, opts.valueBytes, consumeLimit, records)), mixedProbe);
                    rep.load("node mixed: produce half", "closed, " + conns + " (half each)", mixed, "produce", "msg/s",
                            "fsync before ack");
                    rep.load("node mixed: consume half", "closed, " + conns + " (half each)", mixed, "consume", "req/s",
                            "pages of " + consumeLimit + "; " + mixedProbe.cpu());
                }
                rep.footnote("node: `" + String.join(" ", node.commandLine()) + "` with CAIRN_JVM_OPTS=\""
                            + node.jvmOpts() + " -Xlog:gc*,safepoint:file=…\"");
                }
                rep.footnote("client: Netty " + Transport.name() + ", " + opts.clientThreads
                        + " event-loop thread(s), keep-alive HTTP/1.1, one request in flight per connection; warm-up "
                        + opts.warmup().toSeconds() + " s excluded, window " + opts.duration.toSeconds() + " s per row");
            });
        } finally {
            opts.cleanUp();
        }
    }

    static void serverRows(Report rep, WindowProbe probe) {
        List<ServerTimings.Row> rows = probe.serverTimings();
        if (rows.isEmpty()) {
            rep.figure("server-side timings", "", "", probe.metricsNote());
        }
        for (ServerTimings.Row r : rows) {
            rep.server("server: ", r);
        }
    }

    static void gcRow(Report rep, String window, GcLog gc, WindowProbe probe) {
        rep.figure("node GC/safepoints, CPU", window, gc.gcPauses() + " GC pauses",
                gc.summary() + "; " + probe.clientGc() + "; " + probe.cpu());
    }
}
