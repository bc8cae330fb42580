package io.cairn.bench.scenario;

import io.cairn.bench.baseline.FsyncBaseline;
import io.cairn.bench.load.HttpLoadGenerator;
import io.cairn.bench.load.LoadResult;
import io.cairn.bench.load.Transport;
import io.cairn.bench.load.Workloads;
import io.cairn.bench.node.NodeProcess;
import io.cairn.bench.report.Fmt;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code cairn bench batch}: NDJSON batches (1,000 records of 64 B by default) with fsync before
 * ack, on one node or on a local 3-node cluster at {@code acks=majority}, next to the disk's raw
 * fsync rate (a batch costs at least one fsync, so records/s over fsync/s is the batching win).
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "NDJSON batch produce (default 1,000 records of 64 B), fsync before ack, 1 or 3 nodes.")
public final class BatchScenario implements Callable<Integer> {
    @ParentCommand
    io.cairn.bench.BenchMain main;

    @Mixin
    CommonOptions opts;

    @Option(names = "--batch-size", description = "records per NDJSON request (default ${DEFAULT-VALUE})")
    int batchSize = 1000;

    @Option(names = "--nodes", description = "1 (single node) or 3 (local cluster, acks=majority) (default ${DEFAULT-VALUE})")
    int nodes = 1;

    @Option(names = "--partitions", description = "partitions of the bench topic (default ${DEFAULT-VALUE})")
    int partitions = 1;

    @Override
    public Integer call() throws Exception {
        if (nodes != 1 && nodes != 3) {
            throw new IllegalArgumentException("--nodes must be 1 or 3, was " + nodes);
        }
        Report rep = new Report("batch — NDJSON batches of " + Fmt.rate(batchSize) + " × " + opts.valueBytes + " B, "
                + (nodes == 1 ? "1 node, fsync before ack" : "3 nodes, acks=majority") + ", " + opts.connections
                + " connections");
        Path work = opts.workDir();
        try {
            return rep.runAndPrint(() -> {
                FsyncBaseline.Result f4k = FsyncBaseline.run(work.resolve("fsync"), 4096, opts.fsyncDuration);
                rep.fsync(f4k);
                String acks = nodes == 1 ? null : "majority";
                try (LocalClusterOrNode c = LocalClusterOrNode.start(main.cairn(), work, nodes, opts.jvmOpts)) {
                    Nodes.createTopic(c.any(), Nodes.TOPIC, partitions, nodes);
                    NodeProcess[] leaders = c.leaders(Nodes.TOPIC, partitions, acks == null ? "leader" : acks);
                    var target = new Workloads.Target(p -> leaders[p].address(), Nodes.TOPIC, partitions, acks);
                    ClusterProbe clusterProbe = c.cluster() == null ? null : new ClusterProbe(c.cluster(), leaders[0]);
                    WindowProbe probe = clusterProbe == null ? new WindowProbe(leaders[0]) : clusterProbe.main();
                    LoadResult r = HttpLoadGenerator.run(
                            opts.closed(Workloads.batch(target, opts.connections, batchSize, opts.valueBytes)),
                            clusterProbe == null ? probe : clusterProbe);
                    double recs = r.recordsPerSecond("batch");
                    rep.load("produce-ndjson " + Fmt.rate(batchSize) + " × " + opts.valueBytes + " B",
                            "closed, " + opts.connections + " conns", r, "batch", "records/s",
                            Fmt.rate(r.requestsPerSecond("batch")) + " batches/s; "
                                    + String.format(java.util.Locale.ROOT, "%.0f×", recs / f4k.perSecond())
                                    + " the raw 4 KiB fsync rate; "
                                    + (clusterProbe == null ? probe.cpuPerRequest(r.requestsPerSecond("batch"))
                                            : clusterProbe.cpu(r.requestsPerSecond("batch")) + " (per batch)"));
                    SingleScenario.serverRows(rep, probe);
                    SingleScenario.gcRow(rep, "batch window (leader of partition 0)", probe.nodeGc(), probe);
                    if (c.cluster() != null) {
                        rep.footnote("placement: " + ClusterScenario.placement(c.cluster(), leaders)
                                + "; server rows are the leader of partition 0");
                    }
                    for (String cmd : c.commandLines()) {
                        rep.footnote("node: `" + cmd + "`");
                    }
                }
                rep.footnote("client: Netty " + Transport.name() + ", " + opts.clientThreads + " thread(s); warm-up "
                        + opts.warmup().toSeconds() + " s excluded, window " + opts.duration.toSeconds() + " s");
            });
        } finally {
            opts.cleanUp();
        }
    }
}
