package io.cairn.bench.scenario;

import io.cairn.bench.load.ConnectionPlan;
import io.cairn.bench.load.HttpLoadGenerator;
import io.cairn.bench.load.LoadResult;
import io.cairn.bench.load.Transport;
import io.cairn.bench.load.Workloads;
import io.cairn.bench.node.BareNettyProcess;
import io.cairn.bench.report.Fmt;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn bench load}: one load row against a node that is already running (or against an
 * in-process bare Netty server with {@code --bare}), for ad-hoc measurements and profiling.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "One load run against a running node (or --bare for the bare Netty no-op server).")
public final class LoadCommand implements Callable<Integer> {
    @Mixin
    CommonOptions opts;

    @Option(names = "--url", description = "node base URL (default ${DEFAULT-VALUE})")
    String url = "http://127.0.0.1:1109";

    @Option(names = "--bare", description = "start the bare Netty no-op server (own JVM) and load it")
    boolean bare;

    @Option(names = "--workload", description = "produce, batch, consume, mixed or noop (default ${DEFAULT-VALUE})")
    String workload = "produce";

    @Option(names = "--topic", description = "topic (default ${DEFAULT-VALUE}); it must exist")
    String topic = Nodes.TOPIC;

    @Option(names = "--partitions", description = "connections spread over partitions 0..n-1 (default ${DEFAULT-VALUE})")
    int partitions = 1;

    @Option(names = "--batch-size", description = "records per NDJSON request for --workload batch (default ${DEFAULT-VALUE})")
    int batchSize = 1000;

    @Option(names = "--consume-limit", description = "records per consume request (default ${DEFAULT-VALUE})")
    int consumeLimit = 100;

    @Option(names = "--consume-range", description = "consume offsets are drawn from [0, n) per partition (default ${DEFAULT-VALUE})")
    long consumeRange = 10_000;

    @Option(names = "--acks", description = "acks query parameter; empty uses the server default")
    String acks = "";

    @Option(names = "--rate", description = "open-loop total rate in requests/s; 0 = closed-loop at maximum (default ${DEFAULT-VALUE})")
    long rate;

    @Option(names = "--timeline", description = "write a CSV of the run in 100 ms slices (requests, latency, "
            + "service time and load generator delay maxima) to this file")
    java.nio.file.Path timeline;

    @Override
    public Integer call() throws Exception {
        BareNettyProcess server = bare ? BareNettyProcess.start(2) : null;
        try {
            InetSocketAddress a = server != null ? server.address() : address(url);
            var t = Workloads.Target.single(a, topic, partitions, acks.isEmpty() ? null : acks);
            List<ConnectionPlan> plans = switch (server != null ? "noop" : workload) {
                case "produce" -> Workloads.produce(t, opts.connections, opts.valueBytes);
                case "batch" -> Workloads.batch(t, opts.connections, batchSize, opts.valueBytes);
                case "consume" -> Workloads.consume(t, opts.connections, consumeLimit, consumeRange);
                case "mixed" -> Workloads.mixed(t, opts.connections, opts.valueBytes, consumeLimit, consumeRange);
                case "noop" -> Workloads.noop(a, opts.connections, opts.valueBytes);
                default -> throw new IllegalArgumentException("unknown workload '" + workload
                        + "'; use produce, batch, consume, mixed or noop");
            };
            WindowProbe probe = new WindowProbe(null);
            LoadResult r = HttpLoadGenerator.run(rate > 0 ? opts.open(plans, rate) : opts.closed(plans), probe);
            Report rep = new Report("load — " + (server != null ? "bare Netty no-op (own JVM)" : url) + ", " + workload);
            String load = (rate > 0 ? "open @ " + Fmt.rate(rate) + "/s" : "closed") + ", " + opts.connections + " conns";
            for (var k : r.kinds()) {
                String unit = k.kind().equals("produce") || k.kind().equals("batch") ? "msg/s" : "req/s";
                rep.load(k.kind(), load, r, k.kind(), unit, probe.cpu() + "; " + probe.clientGc());
            }
            for (var k : r.kinds()) {
                java.nio.file.Path f = timeline == null ? null : r.kinds().size() == 1 ? timeline
                        : timeline.resolveSibling(k.kind() + "-" + timeline.getFileName());
                rep.timeline(k.kind(), r, f);
            }
            rep.footnote("client: Netty " + Transport.name() + ", " + opts.clientThreads + " thread(s); warm-up "
                    + opts.warmup().toSeconds() + " s excluded, window " + opts.duration.toSeconds() + " s");
            System.out.println(rep.render());
            return 0;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    static InetSocketAddress address(String url) {
        URI u = URI.create(url);
        return new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 80 : u.getPort());
    }
}
