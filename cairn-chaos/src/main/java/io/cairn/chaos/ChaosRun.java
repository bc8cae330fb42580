package io.cairn.chaos;

import io.cairn.chaos.checker.CheckResult;
import io.cairn.chaos.checker.Checker;
import io.cairn.chaos.cluster.LocalCluster;
import io.cairn.chaos.cluster.LossyFs;
import io.cairn.chaos.cluster.ServerLauncher;
import io.cairn.chaos.history.FinalRead;
import io.cairn.chaos.history.History;
import io.cairn.chaos.history.OpType;
import io.cairn.chaos.history.Outcome;
import io.cairn.chaos.nemesis.FaultKind;
import io.cairn.chaos.nemesis.Nemesis;
import io.cairn.chaos.report.Report;
import io.cairn.chaos.report.RunInfo;
import io.cairn.chaos.workload.FinalReader;
import io.cairn.chaos.workload.Workload;
import io.cairn.chaos.workload.WorkloadConfig;
import io.cairn.client.CairnClient;
import io.cairn.client.CairnClientConfig;
import io.cairn.client.CairnException;
import io.cairn.client.ClusterInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One chaos run from start to verdict: start the nodes, create the topic, run workload and nemesis
 * for the duration, heal everything, probe until the cluster takes writes again, read every
 * partition on every node, check, and write the reports.
 */
public final class ChaosRun {
    /** Everything a run needs; see {@code ChaosMain} for the flags that fill it. */
    public record Options(
            int nodes,
            Duration duration,
            Set<FaultKind> faults,
            long seed,
            Path out,
            ServerLauncher launcher,
            List<String> nodeArgs,
            int partitions,
            Duration recoveryBound,
            Duration startupTimeout,
            Nemesis.Timing timing,
            WorkloadConfig workload,
            LossyFs.Metadata powerlossMetadata,
            int powerlossFsyncDelayMs) {
        /** Options with the default (journal) metadata model for the powerloss fault. */
        public Options(int nodes, Duration duration, Set<FaultKind> faults, long seed, Path out, ServerLauncher launcher,
                List<String> nodeArgs, int partitions, Duration recoveryBound, Duration startupTimeout, Nemesis.Timing timing,
                WorkloadConfig workload) {
            this(nodes, duration, faults, seed, out, launcher, nodeArgs, partitions, recoveryBound, startupTimeout, timing, workload,
                    LossyFs.Metadata.JOURNAL, 0);
        }
    }

    /** Verdict and where the evidence is. */
    public record Result(CheckResult check, Path runDir, Path historyFile, Path jsonReport, Path htmlReport, String summary) {}

    public static final String TOPIC = "chaos";
    /** How long the final reads wait for a lagging replica to catch up before reading it anyway. */
    static final Duration CATCH_UP_MAX = Duration.ofSeconds(30);

    private final Options o;
    private final PrintStream console;

    public ChaosRun(Options options, PrintStream console) {
        this.o = options;
        this.console = console;
    }

    private void say(String s) {
        console.println("chaos: " + s);
        console.flush();
    }

    public Result run() throws IOException, InterruptedException {
        Files.createDirectories(o.out());
        Path historyFile = o.out().resolve("history.jsonl");
        say("seed " + o.seed() + ", " + o.nodes() + " node(s), " + o.duration().toSeconds() + " s, faults " + o.faults()
                + ", output in " + o.out().toAbsolutePath());
        say("nodes start with: " + o.launcher().description());
        LossyFs lossyFs = null;
        if (o.faults().contains(FaultKind.POWERLOSS)) {
            lossyFs = prepareLossyFs(o.out(), o.powerlossMetadata()).withFsyncDelayMs(o.powerlossFsyncDelayMs());
            say("powerloss fault on: data directories are cairn-lossyfs mounts (metadata model " + o.powerlossMetadata().wire()
                    + ", fsync delay " + o.powerlossFsyncDelayMs() + " ms, built at " + lossyFs.binary() + ")");
        }
        long startedNs = System.nanoTime();
        try (History history = new History(historyFile);
             LocalCluster cluster = new LocalCluster(o.out(), o.nodes(), o.launcher(), o.nodeArgs(), o.seed(), lossyFs)) {
            cluster.startAll();
            for (String id : cluster.ids()) {
                if (!cluster.awaitReady(id, o.startupTimeout())) {
                    throw new IllegalStateException(id + " did not become ready within " + o.startupTimeout().toSeconds()
                            + " s; last log lines:\n" + cluster.logTail(id, 20));
                }
            }
            say("all nodes ready");
            CairnClient client = new CairnClient(CairnClientConfig.builder().nodes(cluster.httpUrls())
                    .requestTimeout(Duration.ofSeconds(3)).totalTimeout(Duration.ofSeconds(10)).attemptsMax(8).build());
            CairnClient setupClient = new CairnClient(CairnClientConfig.builder().nodes(cluster.httpUrls())
                    .totalTimeout(o.startupTimeout()).attemptsMax(200).build());
            setupClient.createTopic(TOPIC, o.partitions(), Math.min(3, o.nodes()));
            say("topic '" + TOPIC + "' with " + o.partitions() + " partition(s) created");

            // Gives up on the first attempt after 15 ms, about what one fsync-bound produce takes here.
            CairnClient impatient = new CairnClient(CairnClientConfig.builder().nodes(cluster.httpUrls())
                    .requestTimeout(Duration.ofMillis(15)).extendTimeoutByServerWait(false).attemptsMax(1).build());
            Workload workload = new Workload(o.workload(), client, impatient, history, o.seed());
            Nemesis nemesis = new Nemesis(cluster, history, o.faults(), o.seed(), o.timing(), TOPIC, o.partitions());
            if (!o.faults().isEmpty() && nemesis.kinds().size() < o.faults().size()) {
                say("skipping faults that need peer links on a single node; using " + nemesis.kinds());
            }
            workload.start();
            nemesis.start();
            sleepReporting(o.duration(), history);
            nemesis.stop();
            nemesis.healAll();
            long finalHealUs = history.nowUs();
            say("final heal at " + finalHealUs / 1000 + " ms; stopping workload");
            if (!workload.stop(30_000)) {
                say("warning: some workload threads did not finish within 30 s");
            }
            long firstProbeOkMs = probe(workload, history, finalHealUs);
            say(firstProbeOkMs >= 0 ? "cluster took a write " + firstProbeOkMs + " ms after the final heal"
                    : "no write acknowledged after the final heal");
            for (String id : cluster.ids()) {
                cluster.awaitReady(id, Duration.ofSeconds(30));
            }
            finalReads(cluster, client, history);

            CheckResult check = Checker.check(history.ops(), history.faults(), history.finals(),
                    new Checker.Config(o.recoveryBound().toMillis(), finalHealUs));
            long elapsedMs = (System.nanoTime() - startedNs) / 1_000_000;
            RunInfo info = new RunInfo(o.seed(), o.nodes(), o.duration().toSeconds(), faultsText(), o.partitions(),
                    o.recoveryBound().toMillis(), o.launcher().description());
            Report report = new Report(info, check, history.ops(), history.faults(), nemesis.log(), elapsedMs);
            Path json = o.out().resolve("report.json");
            Path html = o.out().resolve("report.html");
            Files.writeString(json, report.json());
            Files.writeString(html, report.html());
            String summary = report.summary();
            console.println(summary);
            console.println("history: " + historyFile.toAbsolutePath());
            console.println("report:  " + html.toAbsolutePath() + " (and report.json)");
            return new Result(check, o.out(), historyFile, json, html, summary);
        }
    }

    /**
     * Builds and probes the power-loss filesystem. A run that asked for power loss and cannot have
     * it stops here (exit 2 from the command line): skipping the fault would report green for a
     * property nobody tested.
     */
    public static LossyFs prepareLossyFs(Path out, LossyFs.Metadata metadata) {
        try {
            return LossyFs.prepare(out.resolve("lossyfs"), metadata);
        } catch (LossyFs.Unavailable e) {
            throw new IllegalStateException("the powerloss fault needs FUSE, and FUSE cannot be used here: " + e.getMessage()
                    + ". Install fuse3, libfuse3-dev and pkg-config and make /dev/fuse available, or run without powerloss.");
        }
    }

    /** Waits out the run, printing a one-line progress count every 10 s. */
    private void sleepReporting(Duration d, History history) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        long nextReport = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            Thread.sleep(Math.max(1, Math.min(500, (end - System.nanoTime()) / 1_000_000)));
            if (System.nanoTime() >= nextReport) {
                nextReport += 10_000_000_000L;
                long ok = history.ops().stream().filter(op -> op.isWrite() && op.outcome() == Outcome.OK).count();
                say(String.format("t=%ds ops=%d acknowledged writes=%d faults=%d", history.nowUs() / 1_000_000,
                        history.ops().size(), ok, history.faults().size()));
            }
        }
    }

    /**
     * After the final heal, writes one probe per partition until each is acknowledged, giving up at
     * twice the recovery bound. Returns ms from heal to the first acknowledged probe, or -1.
     */
    private long probe(Workload workload, History history, long healUs) throws InterruptedException {
        long deadlineNs = System.nanoTime() + o.recoveryBound().multipliedBy(2).toNanos();
        Map<Integer, Boolean> done = new HashMap<>();
        long first = -1;
        int n = 0;
        while (done.size() < o.partitions() && System.nanoTime() < deadlineNs) {
            for (int p = 0; p < o.partitions(); p++) {
                if (done.containsKey(p)) {
                    continue;
                }
                Outcome out = workload.produceOnce("probe", OpType.PROBE, "probe-" + (++n), p);
                if (out == Outcome.OK) {
                    done.put(p, true);
                    if (first < 0) {
                        first = (history.nowUs() - healUs) / 1000;
                    }
                }
            }
            if (done.size() < o.partitions()) {
                Thread.sleep(200);
            }
        }
        return first;
    }

    /** Reads every partition through the leader, then directly on every node once it caught up. */
    private void finalReads(LocalCluster cluster, CairnClient client, History history) {
        List<String> notes = new ArrayList<>();
        for (int p = 0; p < o.partitions(); p++) {
            FinalRead leader = null;
            long deadline = System.nanoTime() + CATCH_UP_MAX.toNanos();
            do {
                leader = readFromLeader(cluster, client, p);
            } while (!leader.complete() && System.nanoTime() < deadline && pauseQuietly());
            history.recordFinal(leader);
            for (String id : cluster.ids()) {
                CairnClient direct = cluster.directClient(id, Duration.ofSeconds(5));
                FinalRead r;
                long nodeDeadline = System.nanoTime() + CATCH_UP_MAX.toNanos();
                do {
                    r = FinalReader.read(direct, id, TOPIC, p);
                    if (r.error() != null && r.error().startsWith(io.cairn.chaos.checker.Checker.FOLLOWER_READS_REFUSED)) {
                        break;
                    }
                } while ((!r.complete() || r.records().size() < leader.records().size())
                        && System.nanoTime() < nodeDeadline && pauseQuietly());
                history.recordFinal(r);
                if (!r.complete()) {
                    notes.add(id + "/p" + p + ": " + r.error());
                }
            }
            say("final read of partition " + p + ": " + leader.records().size() + " records"
                    + (leader.complete() ? "" : " (INCOMPLETE: " + leader.error() + ")"));
        }
        for (String n : notes) {
            say("final read note: " + n);
        }
    }

    /**
     * The committed log of a partition, read directly from the node that says it leads it. Reads
     * through the ordinary client are not enough: followers may serve reads, and a follower that is
     * behind (or rebuilding a damaged replica) answers a short log that looks complete. Falls back
     * to a read through any node, labelled as such, when no node claims the leadership.
     */
    private FinalRead readFromLeader(LocalCluster cluster, CairnClient client, int p) {
        for (String id : cluster.ids()) {
            try {
                ClusterInfo info = cluster.directClient(id, Duration.ofSeconds(3)).cluster();
                String leader = info.partitionLeader(TOPIC, p);
                if (id.equals(leader)) {
                    return FinalReader.read(cluster.directClient(id, Duration.ofSeconds(5)), FinalRead.VIA_LEADER, TOPIC, p);
                }
            } catch (CairnException e) {
                // This node cannot answer; another may be the leader.
            }
        }
        FinalRead any = FinalReader.read(client, FinalRead.VIA_LEADER, TOPIC, p);
        return new FinalRead(any.node(), any.topic(), any.partition(), any.logStart(), any.highWatermark(), any.records(), false,
                "no node claims leadership of partition " + p + (any.error() == null ? "" : "; " + any.error()));
    }

    private static boolean pauseQuietly() {
        try {
            Thread.sleep(250);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String faultsText() {
        StringBuilder sb = new StringBuilder();
        for (FaultKind k : o.faults()) {
            sb.append(sb.length() == 0 ? "" : ",").append(k.wire());
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
