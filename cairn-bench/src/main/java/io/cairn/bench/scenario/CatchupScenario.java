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
                    awaitZeroLag(leader, followerId); // The probe record is on every replica before the fault.
                    follower.kill();
                    Prefill.Result fill = Prefill.run(leader, Nodes.TOPIC, 0, "majority", opts.records, opts.valueBytes);
                    rep.figure("prefill with one follower down (acks=majority)", "NDJSON " + Fmt.rate(Prefill.BATCH_RECORDS)
                                    + "/request, " + Prefill.WRITERS + " writers", Fmt.rate(fill.perSecond()) + " records/s",
                            Fmt.rate(fill.records()) + " records in " + Fmt.seconds(fill.seconds()));
                    long lagBefore = lagOf(leader, followerId);
                    long leaderBytes = segmentBytes(partitionDir(leader));
                    long followerBytesBefore = segmentBytes(partitionDir(follower));
                    long missingBytes = leaderBytes - followerBytesBefore;

                    long start = follower.start();
                    long ready = follower.awaitOk("/ready", CATCHUP_TIMEOUT_MS, 5);
                    long caughtUp = awaitZeroLag(leader, followerId);
                    double total = (caughtUp - start) / 1e9;
                    double fromReady = (caughtUp - ready) / 1e9;
                    rep.figure("follower " + followerId + ": spawn → lag 0 on the leader", "after SIGKILL + "
                                    + Fmt.rate(fill.records()) + " missed", Fmt.seconds(total),
                            "target ≤ 10 s; lag before restart " + lagBefore + " entries, " + mib(missingBytes) + " of segments");
                    rep.figure("follower " + followerId + ": spawn → /ready 200", "", Fmt.seconds((ready - start) / 1e9),
                            "JVM start and local recovery");
                    rep.figure("follower " + followerId + ": /ready → lag 0", "", Fmt.seconds(fromReady),
                            "replication alone");
                    rep.figure("catch-up rate, from spawn", "", Fmt.rate(fill.records() / total) + " records/s",
                            mibPerSecond(missingBytes / total) + ", " + Fmt.percent(missingBytes / total, ceilingBytesPerSecond)
                                    + " of the raw 1 MiB write+fsync ceiling");
                    rep.figure("catch-up rate, from /ready", "", Fmt.rate(fill.records() / fromReady) + " records/s",
                            mibPerSecond(missingBytes / fromReady) + ", "
                                    + Fmt.percent(missingBytes / fromReady, ceilingBytesPerSecond)
                                    + " of the raw 1 MiB write+fsync ceiling");
                    if (!noCompare) {
                        rep.figure("follower's segment files vs the leader's", "", compare(partitionDir(leader),
                                partitionDir(follower)), "SHA-256 of every segment file of the partition");
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
        for (Path p : segmentFiles(dir)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(p)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            out.put(p.getFileName().toString(), HexFormat.of().formatHex(md.digest()));
        }
        return out;
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
