package io.cairn.server.cli;

import ch.qos.logback.classic.Level;
import io.cairn.server.broker.PartitionHandle.Acks;
import io.cairn.server.config.ConfigException;
import io.cairn.server.config.NodeConfig;
import io.cairn.server.config.Peer;
import io.cairn.server.config.TokenSpec;
import io.cairn.server.node.CairnNode;
import io.cairn.server.node.StartupException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code cairn start}: one node, durable by default, configured by flag, env or file. */
@Command(name = "start", sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
    description = {
        "Runs one durable Cairn node: HTTP on port 1109, data in ./data, nothing to configure.",
        "",
        "Every option is also an environment variable (CAIRN_ + the option in upper snake case, e.g. "
            + "--data-dir -> CAIRN_DATA_DIR) and a key in cairn.properties (in the working directory, or "
            + "--config FILE; e.g. data.dir=/var/lib/cairn). A flag beats the environment, which beats the "
            + "file, which beats the default. Sizes accept KiB/MiB/GiB (128MiB).",
        ""},
    optionListHeading = "Options:%n",
    footerHeading = "%nExamples:%n",
    // Each example line fits in 80 columns: picocli would otherwise break a token or a URL in two.
    footer = {
        "  cairn start",
        "  cairn start --port 7001 --data-dir d1",
        "  CAIRN_PORT=7001 CAIRN_DATA_DIR=d1 cairn start",
        "  cairn start --token admin:0123456789abcdef0123:admin \\",
        "      --token 'app:fedcba9876543210fedc:produce:orders*,consume:orders*'",
        "  PEERS=n1=127.0.0.1:7101@http://127.0.0.1:7001",
        "  PEERS=$PEERS,n2=127.0.0.1:7102@http://127.0.0.1:7002",
        "  PEERS=$PEERS,n3=127.0.0.1:7103@http://127.0.0.1:7003",
        "  cairn start --node-id n1 --port 7001 --data-dir d1 --peers \"$PEERS\"",
        "",
        "Exit status: 0 after a clean shutdown (SIGTERM/Ctrl-C); 1 when the node cannot start (port "
            + "taken, data directory unusable, inconsistent configuration), with one line on stderr."})
final class StartCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", order = 0,
        description = "Properties file to read. Default: cairn.properties in the working directory, if there is one.")
    String config;

    @Option(names = "--port", defaultValue = "1109", paramLabel = "PORT", order = 1, description = "HTTP port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", paramLabel = "HOST", order = 2,
        description = "Interface to listen on; 127.0.0.1 keeps the node local. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--data-dir", defaultValue = "data", paramLabel = "DIR", order = 3,
        description = "Where topics, logs and node state live. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--node-id", defaultValue = "n1", paramLabel = "ID", order = 4,
        description = "This node's id; must be listed in --peers in a cluster. Default: ${DEFAULT-VALUE}.")
    String nodeId;

    @Option(names = "--peer-port", defaultValue = "0", paramLabel = "PORT", order = 5,
        description = "Port for replication between nodes (0 = take it from this node's --peers entry). Default: ${DEFAULT-VALUE}.")
    int peerPort;

    @Option(names = "--peers", defaultValue = "", paramLabel = "ID=HOST:PEERPORT@URL,...", order = 6,
        description = "Every cluster member, this node included. Empty = a single node.")
    String peers;

    @Option(names = "--token", paramLabel = "NAME:SECRET:SCOPES", split = ";", order = 7,
        description = "A bearer token; repeat for more (';' separates several in one value). SCOPES is a "
            + "comma list of admin, produce:GLOB, consume:GLOB (GLOB matches topic names, e.g. orders*). "
            + "With no tokens the API is open (a warning is logged).")
    List<String> tokens = new ArrayList<>();

    @Option(names = "--tokens-file", paramLabel = "FILE", order = 8,
        description = "File with one NAME:SECRET:SCOPES per line ('#' starts a comment); keeps secrets out of ps.")
    Path tokensFile;

    @Option(names = "--max-disk-bytes", defaultValue = "0", paramLabel = "SIZE", converter = ByteSize.class, order = 9,
        description = "Bound on all partition logs on this node; produce answers 507 beyond it (0 = the disk's size). Default: ${DEFAULT-VALUE}.")
    long maxDiskBytes;

    @Option(names = "--segment-bytes", defaultValue = "128MiB", paramLabel = "SIZE", converter = ByteSize.class, order = 10,
        description = "Seal a log segment at this size. Default: ${DEFAULT-VALUE}.")
    long segmentBytes;

    @Option(names = "--segment-ms", defaultValue = "604800000", paramLabel = "MS", order = 11,
        description = "Seal a log segment at this age, in ms (0 = never by age). Default: ${DEFAULT-VALUE} (7 days).")
    long segmentMs;

    @Option(names = "--max-record-bytes", defaultValue = "1MiB", paramLabel = "SIZE", converter = ByteSize.class, order = 12,
        description = "Largest record value. Default: ${DEFAULT-VALUE}.")
    long maxRecordBytes;

    @Option(names = "--max-body-bytes", defaultValue = "8MiB", paramLabel = "SIZE", converter = ByteSize.class, order = 13,
        description = "Largest request body; larger bodies get 413. Default: ${DEFAULT-VALUE}.")
    long maxBodyBytes;

    @Option(names = "--max-batch-records", defaultValue = "100000", paramLabel = "N", order = 14,
        description = "Most records in one NDJSON request. Default: ${DEFAULT-VALUE}.")
    int maxBatchRecords;

    @Option(names = "--max-idempotency-key-bytes", defaultValue = "256", paramLabel = "N", order = 15,
        description = "Longest idempotency key. Default: ${DEFAULT-VALUE}.")
    int maxIdempotencyKeyBytes;

    @Option(names = "--max-consume-records", defaultValue = "10000", paramLabel = "N", order = 16,
        description = "Largest consume 'limit'. Default: ${DEFAULT-VALUE}.")
    int maxConsumeRecords;

    @Option(names = "--max-consume-bytes", defaultValue = "8MiB", paramLabel = "SIZE", converter = ByteSize.class, order = 17,
        description = "Largest consume 'max_bytes' (also its default). Default: ${DEFAULT-VALUE}.")
    long maxConsumeBytes;

    @Option(names = "--max-wait-ms", defaultValue = "60000", paramLabel = "MS", order = 18,
        description = "Longest long-poll 'wait_ms'. Default: ${DEFAULT-VALUE}.")
    long maxWaitMs;

    @Option(names = "--max-timeout-ms", defaultValue = "120000", paramLabel = "MS", order = 19,
        description = "Longest produce 'timeout_ms'. Default: ${DEFAULT-VALUE}.")
    long maxTimeoutMs;

    @Option(names = "--dedupe-window-ms", defaultValue = "600000", paramLabel = "MS", order = 20,
        description = "How long idempotency keys are remembered. Default: ${DEFAULT-VALUE} (10 min).")
    long dedupeWindowMs;

    @Option(names = "--dedupe-window-keys", defaultValue = "1000000", paramLabel = "N", order = 21,
        description = "Idempotency keys remembered per partition. Default: ${DEFAULT-VALUE}.")
    long dedupeWindowKeys;

    @Option(names = "--default-acks", defaultValue = "majority", paramLabel = "ACKS", order = 22,
        description = "Write concern when a produce names none: leader, majority, all. Default: ${DEFAULT-VALUE}.")
    String defaultAcks;

    @Option(names = "--default-timeout-ms", defaultValue = "5000", paramLabel = "MS", order = 23,
        description = "Produce 'timeout_ms' when a request names none. Default: ${DEFAULT-VALUE}.")
    long defaultTimeoutMs;

    @Option(names = "--retention-check-ms", defaultValue = "60000", paramLabel = "MS", order = 24,
        description = "How often retention deletes old segments. Default: ${DEFAULT-VALUE}.")
    long retentionCheckMs;

    @Option(names = "--sse-heartbeat-ms", defaultValue = "15000", paramLabel = "MS", order = 25,
        description = "Idle time before a stream sends a heartbeat comment. Default: ${DEFAULT-VALUE}.")
    long sseHeartbeatMs;

    @Option(names = "--io-threads", defaultValue = "0", paramLabel = "N", order = 26,
        description = "HTTP event-loop threads (0 = one per core). Default: ${DEFAULT-VALUE}.")
    int ioThreads;

    @Option(names = "--max-connections", defaultValue = "10000", paramLabel = "N", order = 27,
        description = "Open HTTP connections accepted at once. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--log-level", defaultValue = "INFO", paramLabel = "LEVEL", order = 28,
        description = "TRACE, DEBUG, INFO, WARN or ERROR. Default: ${DEFAULT-VALUE}.")
    String logLevel;

    @Option(names = "--cluster-id", defaultValue = "cairn", paramLabel = "ID", order = 29,
        description = "Cluster id checked in every peer handshake; must match on all nodes. Default: ${DEFAULT-VALUE}.")
    String clusterId;

    @Option(names = "--join", arity = "0..1", fallbackValue = "true", defaultValue = "false", paramLabel = "BOOL", order = 30,
        description = "This node is being added to a running cluster (POST /cluster/nodes): it learns the "
            + "cluster's history from the metadata leader instead of bootstrapping from --peers. "
            + "CAIRN_JOIN=1 or join=true in the file do the same. Default: ${DEFAULT-VALUE}.")
    String join;

    @Option(names = "--leader-rebalance-delay-ms", defaultValue = "30000", paramLabel = "MS", order = 31,
        description = "How long a partition's preferred leader must be healthy and caught up before leadership "
            + "moves back to it (0 = only on POST /cluster/rebalance). Default: ${DEFAULT-VALUE}.")
    long leaderRebalanceDelayMs;

    @Option(names = {"-h", "--help"}, usageHelp = true, order = 32, description = "Show this help and exit.")
    boolean help;

    /** Turns the parsed options into a validated configuration; ConfigException on any inconsistency. */
    NodeConfig toConfig() {
        var b = NodeConfig.builder();
        b.host = host;
        b.port = port;
        b.dataDir = dataDir;
        b.nodeId = nodeId;
        b.peerPort = peerPort;
        b.peers = Peer.parseList(peers);
        b.tokens = tokenSpecs();
        b.maxDiskBytes = maxDiskBytes;
        b.segmentBytes = segmentBytes;
        b.segmentMs = segmentMs;
        b.maxRecordBytes = toInt("--max-record-bytes", maxRecordBytes);
        b.maxBodyBytes = toInt("--max-body-bytes", maxBodyBytes);
        b.maxBatchRecords = maxBatchRecords;
        b.maxIdempotencyKeyBytes = maxIdempotencyKeyBytes;
        b.maxConsumeRecords = maxConsumeRecords;
        b.maxConsumeBytes = maxConsumeBytes;
        b.maxWaitMs = maxWaitMs;
        b.maxTimeoutMs = maxTimeoutMs;
        b.dedupeWindowMs = dedupeWindowMs;
        b.dedupeWindowKeys = dedupeWindowKeys;
        b.defaultAcks = switch (defaultAcks) {
            case "leader" -> Acks.LEADER;
            case "majority" -> Acks.MAJORITY;
            case "all" -> Acks.ALL;
            default -> throw new ConfigException("--default-acks must be leader, majority or all, got '" + defaultAcks + "'");
        };
        b.defaultTimeoutMs = defaultTimeoutMs;
        b.retentionCheckMs = retentionCheckMs;
        b.sseHeartbeatMs = sseHeartbeatMs;
        b.ioThreads = ioThreads;
        b.maxConnections = maxConnections;
        b.logLevel = logLevel;
        b.clusterId = clusterId;
        b.join = parseBoolean("--join", join);
        b.leaderRebalanceDelayMs = leaderRebalanceDelayMs;
        return b.build();
    }

    /** Accepts the spellings an environment variable or properties file uses for yes and no. */
    static boolean parseBoolean(String flag, String v) {
        return switch (v == null ? "" : v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off", "" -> false;
            default -> throw new ConfigException(flag + " must be true or false (or 1/0), got '" + v + "'");
        };
    }

    private static int toInt(String flag, long v) {
        if (v > Integer.MAX_VALUE - 1024) {
            throw new ConfigException(flag + " must be below 2GiB, got " + v);
        }
        return (int) v;
    }

    private List<TokenSpec> tokenSpecs() {
        var out = new ArrayList<TokenSpec>();
        for (String t : tokens) {
            if (!t.isBlank()) {
                out.add(TokenSpec.parse(t, "--token"));
            }
        }
        if (tokensFile != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(tokensFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException("cannot read --tokens-file " + tokensFile.toAbsolutePath() + ": " + e);
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    out.add(TokenSpec.parse(line, tokensFile + " line " + (i + 1)));
                }
            }
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
        NodeConfig cfg = toConfig();
        var root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(cfg.logLevel()));
        if (cfg.peers().size() > 1) {
            try {
                return io.cairn.server.cluster.ClusterNode.runUntilStopped(cfg); // a cluster member (branch cluster)
            } catch (StartupException e) {
                throw new Main.FatalException(e.getMessage());
            }
        }
        CairnNode node;
        try {
            node = CairnNode.start(cfg);
        } catch (StartupException e) {
            throw new Main.FatalException(e.getMessage());
        }
        var stopped = new CountDownLatch(1);
        var failed = new java.util.concurrent.atomic.AtomicReference<String>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
            if (failed.get() == null) {
                // A requested stop (SIGTERM, Ctrl-C) that closed everything cleanly is a success; without
                // this the JVM reports 143 and supervisors log a failure for every orderly restart.
                Runtime.getRuntime().halt(0);
            }
        }, "cairn-shutdown"));
        node.recovered().whenComplete((v, t) -> {
            if (t != null) {
                failed.set("partition recovery failed: " + rootMessage(t));
                stopped.countDown();
            }
        });
        stopped.await();
        if (failed.get() != null) {
            throw new Main.FatalException(failed.get());
        }
        return 0;
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
                || t instanceof java.io.UncheckedIOException)) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }
}
