package io.cairn.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.bench.baseline.FsyncBaseline;
import io.cairn.bench.node.Http;
import io.cairn.bench.node.NodeProcess;
import io.cairn.bench.report.Fmt;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code cairn bench catchup}: on a local 3-node cluster, SIGKILL one follower, write ~8 million
 * records at {@code acks=majority} to the leader, restart the follower and time until the
 * leader's {@code GET /cluster} shows the follower's replica with zero lag: its durable
 * (fsynced and acknowledged) log ends at the leader's last index. Timed from the follower's
 * spawn and from its first {@code /ready} 200; the raw sequential write+fsync rate of the same
 * disk is measured in the same run, so the catch-up byte rate reads as a fraction of it.
 * Afterwards the partition's segment files are compared between leader and follower.
 */
@Command(name = "catchup", mixinStandardHelpOptions = true,
        description = "3 nodes: a follower misses ~8M records; time until its log matches the leader's.")
public final class CatchupScenario implements Callable<Integer> {
    static final long CATCHUP_TIMEOUT_MS = 600_000;
    /** Poll interval of the leader's /cluster while timing: fine enough for a 10 s target. */
    static final long POLL_MS = 20;
    /** Write size of the raw disk ceiling: the order of one replication message. */
    static final int CEILING_WRITE_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    io.cairn.bench.BenchMain main;

    @Mixin
    PrefillOptions opts;

    @Option(names = "--fsync-duration", converter = DurationConverter.class,
            description = "length of the raw write+fsync ceiling loop (default 3s)")
    Duration fsyncDuration = Duration.ofSeconds(3);

    @Option(names = "--live-rate", description = "single-record produce requests/s (acks=majority, 1 writer) to the leader "
            + "while the follower catches up, to see whether catch-up starves live traffic; 0 = none (default ${DEFAULT-VALUE})")
    int liveRate = 0;

    @Option(names = "--no-compare", description = "skip comparing the follower's segment files with the leader's")
    boolean noCompare;

    @Override
    public Integer call() throws Exception {
        CommonOptions dirs = opts.dirs();
        Path work = dirs.workDir();
        Report rep = new Report("catchup — a follower misses " + Fmt.rate(opts.records) + " records of " + opts.valueBytes
                + " B, 3 local nodes");
        return rep.runAndPrint(() -> {
            try {
                FsyncBaseline.Result ceiling = FsyncBaseline.run(work, CEILING_WRITE_BYTES, fsyncDuration);
                double ceilingBytesPerSecond = ceiling.perSecond() * CEILING_WRITE_BYTES;
                rep.fsync(ceiling);
                rep.figure("raw sequential write+fsync, 1 MiB writes", "1 writer, loop", mibPerSecond(ceilingBytesPerSecond),
                        "disk ceiling for a follower appending MiB-sized messages with one fsync each");
                try (LocalCluster c = new LocalCluster(main.cairn(), work, 3, opts.jvmOpts)) {
                    c.start();
                    Nodes.createTopic(c.nodes.get(0), Nodes.TOPIC, 1, 3);
                    NodeProcess leader = c.leaderOf(Nodes.TOPIC, 0, "majority");
                    NodeProcess follower = c.nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
                    String followerId = c.idOf(follower);
                    awaitZeroLag(c, followerId); // The probe record is on every replica before the fault.
                    long recordsBefore = awaitLeader(c, followerId).highWatermark();
                    follower.kill();
                    Prefill.Result fill = Prefill.run(leader, Nodes.TOPIC, 0, "majority", opts.records, opts.valueBytes);
                    rep.figure("prefill with one follower down (acks=majority)", "NDJSON " + Fmt.rate(Prefill.BATCH_RECORDS)
                                    + "/request, " + Prefill.WRITERS + " writers", Fmt.rate(fill.perSecond()) + " records/s",
                            Fmt.rate(fill.records()) + " records in " + Fmt.seconds(fill.seconds())
                                    + (fill.unknownOutcomes() == 0 ? "" : "; " + fill.unknownOutcomes()
                                    + " batches answered 504 (outcome unknown) and were retried"));
                    Lag before = awaitLeader(c, followerId);
                    long lagBefore = before.entries();
                    long missed = before.highWatermark() - recordsBefore;
                    long leaderBytes = segmentBytes(partitionDir(before.leader()));
                    long followerBytesBefore = segmentBytes(partitionDir(follower));
                    long missingBytes = leaderBytes - followerBytesBefore;

                    LiveProbe live = liveRate > 0 ? new LiveProbe(before.leader(), Nodes.TOPIC, 0, liveRate, opts.valueBytes) : null;
                    long leaderCpuBefore = cpuNanos(before.leader());
                    long start = follower.start();
                    long ready;
                    long caughtUp;
                    long followerCpuReady;
                    long followerCpuDone;
                    long leaderCpuDone;
                    try {
                        ready = follower.awaitOk("/ready", CATCHUP_TIMEOUT_MS, 5);
                        followerCpuReady = cpuNanos(follower);
                        caughtUp = awaitZeroLag(c, followerId);
                        followerCpuDone = cpuNanos(follower);
                        leaderCpuDone = cpuNanos(before.leader());
                    } finally {
                        if (live != null) {
                            live.stop();
                        }
                    }
                    if (live != null) {
                        rep.latency("live produce to the leader during catch-up", "1 writer, " + liveRate + "/s, acks=majority",
                                Fmt.rate(live.latencyUs().getTotalCount()) + " answered", live.latencyUs(), live.errorSummary(),
                                "from the follower's spawn until lag 0; latency from the intended send time");
                        awaitZeroLag(c, followerId); // The probe's last records, before the files are compared.
                    }
                    double total = (caughtUp - start) / 1e9;
                    double fromReady = (caughtUp - ready) / 1e9;
                    rep.figure("follower " + followerId + ": spawn → lag 0 on the leader", "after SIGKILL + "
                                    + Fmt.rate(missed) + " missed", Fmt.seconds(total),
                            "target ≤ 10 s; lag before restart " + lagBefore + " entries, " + mib(missingBytes) + " of segments");
                    rep.figure("follower " + followerId + ": spawn → /ready 200", "", Fmt.seconds((ready - start) / 1e9),
                            "JVM start and local recovery");
                    rep.figure("follower " + followerId + ": /ready → lag 0", "", Fmt.seconds(fromReady),
                            "replication alone");
                    rep.figure("catch-up rate, from spawn", "", Fmt.rate(missed / total) + " records/s",
                            mibPerSecond(missingBytes / total) + ", " + Fmt.percent(missingBytes / total, ceilingBytesPerSecond)
                                    + " of the raw 1 MiB write+fsync ceiling");
                    rep.figure("catch-up rate, from /ready", "", Fmt.rate(missed / fromReady) + " records/s",
                            mibPerSecond(missingBytes / fromReady) + ", "
                                    + Fmt.percent(missingBytes / fromReady, ceilingBytesPerSecond)
                                    + " of the raw 1 MiB write+fsync ceiling");
                    rep.figure("leader's peer messages to " + followerId, "", peerCounters(before.leader(), followerId),
                            "from the leader's /metrics at lag 0 (whole life of the node): dropped = the bounded peer queue"
                                    + " overflowed and Raft had to resend");
                    // CPU time is what a busy shared machine distorts least: wall time waits for the CPU.
                    double gib = missingBytes / (double) (1L << 30);
                    rep.figure("CPU used during catch-up", "", String.format(Locale.ROOT, "follower %.2f s, leader %.2f s",
                                    (followerCpuDone - followerCpuReady) / 1e9, (leaderCpuDone - leaderCpuBefore) / 1e9),
                            String.format(Locale.ROOT, "follower from /ready to lag 0 (%.2f s/GiB; %.2f s more from spawn to /ready),"
                                    + " leader from the follower's spawn to lag 0 (%.2f s/GiB)",
                                    (followerCpuDone - followerCpuReady) / 1e9 / gib, followerCpuReady / 1e9,
                                    (leaderCpuDone - leaderCpuBefore) / 1e9 / gib));
                    if (!noCompare) {
                        rep.figure("follower's segment files vs the leader's", "", compare(partitionDir(awaitLeader(c, followerId).leader()),
                                partitionDir(follower)), "SHA-256 of every segment file of the partition, up to its last non-zero byte");
                    }
                    for (String cmd : c.commandLines()) {
                        rep.footnote("node: `" + cmd + "`");
                    }
                    rep.footnote("lag is the leader's last Raft index minus the follower's match index (entries the follower"
                            + " has fsynced and acknowledged), polled every " + POLL_MS + " ms from the leader's GET /cluster");
                }
            } finally {
                dirs.cleanUp();
            }
        });
    }

    /** "sent N, dropped M" from the node's cairn_peer_*_messages_total{peer=…} counters. */
    static String peerCounters(NodeProcess n, String peer) throws Exception {
        Http.Response r = Http.get(n.baseUrl() + "/metrics");
        double sent = 0;
        double dropped = 0;
        for (String line : r.body().split("\n")) {
            if (!line.contains("peer=\"" + peer + "\"")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            double v = Double.parseDouble(f[f.length - 1]);
            if (line.startsWith("cairn_peer_sent_messages_total")) {
                sent += v;
            } else if (line.startsWith("cairn_peer_dropped_messages_total")) {
                dropped += v;
            }
        }
        return String.format(Locale.ROOT, "sent %,.0f, dropped %,.0f", sent, dropped);
    }

    /** CPU time (user + system) the node's process has used so far; -1 if unknown. */
    static long cpuNanos(NodeProcess n) {
        long pid = n.pid();
        return pid < 0 ? -1 : ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration())
                .map(java.time.Duration::toNanos).orElse(-1L);
    }

    private static String mib(double bytes) {
        return String.format(Locale.ROOT, "%,.1f MiB", bytes / (1024 * 1024));
    }

    private static String mibPerSecond(double bytesPerSecond) {
        return mib(bytesPerSecond) + "/s";
    }

    /** The bench partition's directory in a node's data dir. */
    static Path partitionDir(NodeProcess n) {
        return n.dataDir().resolve("topics").resolve(Nodes.TOPIC).resolve("0");
    }

    /** Bytes of the segment files ({@code *.log}) in a partition directory; 0 if it does not exist yet. */
    static long segmentBytes(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long sum = 0;
        for (Path p : segmentFiles(dir)) {
            sum += Files.size(p);
        }
        return sum;
    }

    private static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    /** "identical (N files, X MiB)" or what differs; never throws for a difference, the table says it. */
    static String compare(Path leaderDir, Path followerDir) throws Exception {
        TreeMap<String, String> a = digests(leaderDir);
        TreeMap<String, String> b = digests(followerDir);
        if (a.isEmpty()) {
            return "NO segment files on the leader in " + leaderDir;
        }
        if (a.equals(b)) {
            return "identical (" + a.size() + " files, " + mib(segmentBytes(leaderDir)) + ")";
        }
        List<String> diff = new ArrayList<>();
        for (String name : a.keySet()) {
            if (!a.get(name).equals(b.get(name))) {
                diff.add(name);
            }
        }
        for (String name : b.keySet()) {
            if (!a.containsKey(name)) {
                diff.add(name + " (follower only)");
            }
        }
        return "DIFFERENT: " + String.join(", ", diff);
    }

    private static TreeMap<String, String> digests(Path dir) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        byte[] buf = new byte[1 << 20];
        byte[] zeros = new byte[buf.length];
        for (Path p : segmentFiles(dir)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            // Up to the last non-zero byte: the active segment keeps zeros written ahead of its
            // frames, and replicas holding the same frames may hold different amounts of them.
            long pendingZeros = 0;
            try (InputStream in = Files.newInputStream(p)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    int last = n - 1;
                    while (last >= 0 && buf[last] == 0) {
                        last--;
                    }
                    if (last < 0) {
                        pendingZeros += n;
                        continue;
                    }
                    for (; pendingZeros > 0; pendingZeros -= Math.min(pendingZeros, zeros.length)) {
                        md.update(zeros, 0, (int) Math.min(pendingZeros, zeros.length));
                    }
                    md.update(buf, 0, last + 1);
                    pendingZeros = n - last - 1;
                }
            }
            out.put(p.getFileName().toString(), HexFormat.of().formatHex(md.digest()));
        }
        return out;
    }

    /**
     * The follower's lag on the bench partition as its current leader reports it in
     * {@code GET /cluster} ({@code partitions[].replicas[].lag}, the leader's last index minus the
     * follower's match index). Leadership may have moved during the prefill, so every live node
     * is asked and the one that names itself leader answers. Empty while no node leads.
     */
    static Optional<Lag> lagOf(LocalCluster c, String followerId) throws Exception {
        String last = "no live node";
        for (NodeProcess n : c.nodes) {
            if (!n.alive()) {
                continue;
            }
            Http.Response r = Http.tryGet(n.baseUrl() + "/cluster");
            if (r == null || !r.ok()) {
                last = n.baseUrl() + "/cluster answered " + (r == null ? "nothing" : r.status() + " " + r.body());
                continue;
            }
            JsonNode body = JSON.readTree(r.body());
            String self = body.path("node_id").asText();
            for (JsonNode p : body.path("partitions")) {
                if (!p.path("topic").asText().equals(Nodes.TOPIC) || p.path("partition").asInt(-1) != 0
                        || !p.path("leader").asText().equals(self)) {
                    continue;
                }
                for (JsonNode rep : p.path("replicas")) {
                    if (rep.path("node_id").asText().equals(followerId) && rep.path("lag").isNumber()) {
                        return Optional.of(new Lag(n, rep.path("lag").asLong(), p.path("high_watermark").asLong()));
                    }
                }
                throw new IllegalStateException("leader " + self + " lists no replica " + followerId + " with a lag: " + p);
            }
            last = n.baseUrl() + " does not lead " + Nodes.TOPIC + "/0";
        }
        lastNoLeader = last;
        return Optional.empty();
    }

    private static volatile String lastNoLeader = "";

    static Lag awaitLeader(LocalCluster c, String followerId) throws Exception {
        long deadline = System.nanoTime() + LocalCluster.READY_TIMEOUT_MS * 1_000_000L;
        while (true) {
            Optional<Lag> lag = lagOf(c, followerId);
            if (lag.isPresent()) {
                return lag.get();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no leader of " + Nodes.TOPIC + "/0: " + lastNoLeader);
            }
            Thread.sleep(POLL_MS);
        }
    }

    /** A follower's lag as reported by the node that leads the partition. */
    record Lag(NodeProcess leader, long entries, long highWatermark) {}

    /** Polls until the leader reports lag 0; returns {@link System#nanoTime()} of that answer. */
    static long awaitZeroLag(LocalCluster c, String followerId) throws Exception {
        long deadline = System.nanoTime() + CATCHUP_TIMEOUT_MS * 1_000_000L;
        while (true) {
            Optional<Lag> lag = lagOf(c, followerId);
            long now = System.nanoTime();
            if (lag.isPresent() && lag.get().entries() == 0) {
                return now;
            }
            if (now > deadline) {
                throw new IllegalStateException("follower " + followerId + " not caught up after " + CATCHUP_TIMEOUT_MS
                        + " ms: " + (lag.isPresent() ? "lag " + lag.get().entries() : "no leader (" + lastNoLeader + ")"));
            }
            Thread.sleep(POLL_MS);
        }
    }
}
