package io.cairn.server.config;

import io.cairn.server.broker.PartitionHandle.Acks;

import java.nio.file.Path;
import java.util.List;

/**
 * Every setting of one node, resolved and validated. Names end in their unit. Build one with
 * {@link #builder()}; {@link Builder#build()} validates and throws {@link ConfigException} with one
 * actionable line when settings are inconsistent.
 *
 * @param host                    interface HTTP binds to
 * @param port                    HTTP port (0 = any free port, for tests)
 * @param dataDir                 where topics, logs and node state live
 * @param nodeId                  this node's id; must appear in {@code peers} when peers are given
 * @param peerPort                port for Raft traffic between nodes (0 = take it from this node's peers entry)
 * @param peers                   every cluster member including this node; empty = single node
 * @param tokens                  bearer tokens; empty = open API (logged as a warning)
 * @param maxDiskBytes            bound on the sum of all partition logs on this node (0 = the disk's size)
 * @param segmentBytes            seal a segment at this size
 * @param segmentMs               seal a segment at this age (0 = never by age)
 * @param maxRecordBytes          largest record value
 * @param maxBodyBytes            largest request body
 * @param maxBatchRecords         most records in one NDJSON request
 * @param maxIdempotencyKeyBytes  longest idempotency key (UTF-8 bytes)
 * @param maxConsumeRecords       largest consume {@code limit}
 * @param maxConsumeBytes         largest consume {@code max_bytes}
 * @param maxWaitMs               longest long-poll {@code wait_ms}
 * @param maxTimeoutMs            longest produce {@code timeout_ms}
 * @param dedupeWindowMs          how long idempotency keys are remembered
 * @param dedupeWindowKeys        how many idempotency keys each partition remembers
 * @param defaultAcks             write concern when a produce names none
 * @param defaultTimeoutMs        produce {@code timeout_ms} when a request names none
 * @param retentionCheckMs        how often the retention task runs
 * @param sseHeartbeatMs          idle time after which a stream sends a heartbeat comment
 * @param ioThreads               HTTP event-loop threads (0 = one per core)
 * @param maxConnections          open HTTP connections accepted at once
 * @param logLevel                root log level
 * @param clusterId               checked in every peer handshake; nodes of another cluster are refused
 * @param join                    this node is being added to a running cluster ({@code POST /cluster/nodes}):
 *                                it learns the history from the metadata leader instead of bootstrapping
 * @param leaderRebalanceDelayMs  how long a partition's preferred leader must be healthy and caught up
 *                                before leadership moves back to it (0 = only on {@code POST /cluster/rebalance})
 */
public record NodeConfig(
    String host, int port, Path dataDir, String nodeId, int peerPort, List<Peer> peers,
    List<TokenSpec> tokens, long maxDiskBytes, long segmentBytes, long segmentMs,
    int maxRecordBytes, int maxBodyBytes, int maxBatchRecords, int maxIdempotencyKeyBytes,
    int maxConsumeRecords, long maxConsumeBytes, long maxWaitMs, long maxTimeoutMs,
    long dedupeWindowMs, long dedupeWindowKeys, Acks defaultAcks, long defaultTimeoutMs,
    long retentionCheckMs, long sseHeartbeatMs, int ioThreads, int maxConnections, String logLevel,
    String clusterId, boolean join, long leaderRebalanceDelayMs) {

    public static final int DEFAULT_PORT = 1109;
    public static final long MIB = 1024 * 1024;

    public NodeConfig {
        peers = List.copyOf(peers);
        tokens = List.copyOf(tokens);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This node's entry in {@code peers}, or null on a single node. */
    public Peer self() {
        return peers.stream().filter(p -> p.id().equals(nodeId)).findFirst().orElse(null);
    }

    /** The base URL clients use to reach this node, for {@code GET /cluster}. */
    public String advertisedUrl(int boundPort) {
        Peer self = self();
        if (self != null) {
            return self.httpBase();
        }
        String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + boundPort;
    }

    /** Mutable settings with the documented defaults; every field is public for the CLI to fill. */
    public static final class Builder {
        public String host = "0.0.0.0";
        public int port = DEFAULT_PORT;
        public Path dataDir = Path.of("data");
        public String nodeId = "n1";
        public int peerPort = 0;
        public List<Peer> peers = List.of();
        public List<TokenSpec> tokens = List.of();
        public long maxDiskBytes = 0;
        public long segmentBytes = 128 * MIB;
        public long segmentMs = 7L * 24 * 3600 * 1000;
        public int maxRecordBytes = (int) MIB;
        public int maxBodyBytes = (int) (8 * MIB);
        public int maxBatchRecords = 100_000;
        public int maxIdempotencyKeyBytes = 256;
        public int maxConsumeRecords = 10_000;
        public long maxConsumeBytes = 8 * MIB;
        public long maxWaitMs = 60_000;
        public long maxTimeoutMs = 120_000;
        public long dedupeWindowMs = 10 * 60 * 1000;
        public long dedupeWindowKeys = 1_000_000;
        public Acks defaultAcks = Acks.MAJORITY;
        public long defaultTimeoutMs = 5_000;
        public long retentionCheckMs = 60_000;
        public long sseHeartbeatMs = 15_000;
        public int ioThreads = 0;
        public int maxConnections = 10_000;
        public String logLevel = "INFO";
        public String clusterId = "cairn";
        public boolean join = false;
        public long leaderRebalanceDelayMs = 30_000;

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder tokens(List<TokenSpec> v) { tokens = v; return this; }
        public Builder maxDiskBytes(long v) { maxDiskBytes = v; return this; }
        public Builder maxRecordBytes(int v) { maxRecordBytes = v; return this; }
        public Builder maxBodyBytes(int v) { maxBodyBytes = v; return this; }
        public Builder retentionCheckMs(long v) { retentionCheckMs = v; return this; }
        public Builder sseHeartbeatMs(long v) { sseHeartbeatMs = v; return this; }
        public Builder segmentBytes(long v) { segmentBytes = v; return this; }

        public NodeConfig build() {
            requireRange("--port", port, 0, 65535);
            requireRange("--peer-port", peerPort, 0, 65535);
            if (!Peer.NODE_ID.matcher(nodeId).matches()) {
                throw new ConfigException("--node-id '" + nodeId + "' must match [A-Za-z0-9._-]{1,64}");
            }
            if (!peers.isEmpty()) {
                Peer self = peers.stream().filter(p -> p.id().equals(nodeId)).findFirst().orElseThrow(() ->
                    new ConfigException("--node-id '" + nodeId + "' is not among --peers " + ids(peers)
                        + "; every node must list itself"));
                if (peerPort != 0 && peerPort != self.peerPort()) {
                    throw new ConfigException("--peer-port " + peerPort + " differs from this node's --peers entry ("
                        + self.peerPort() + ")");
                }
                if (port != 0 && self.httpUrl().getPort() != -1 && self.httpUrl().getPort() != port) {
                    throw new ConfigException("--port " + port + " differs from the port in this node's --peers URL ("
                        + self.httpUrl() + ")");
                }
                peerPort = self.peerPort();
            }
            if (peerPort != 0 && peerPort == port) {
                throw new ConfigException("--port and --peer-port are both " + port + "; they must differ");
            }
            var names = new java.util.HashSet<String>();
            for (TokenSpec t : tokens) {
                if (!names.add(t.name())) {
                    throw new ConfigException("two tokens are named '" + t.name() + "'; token names must be unique");
                }
            }
            requireMin("--max-disk-bytes", maxDiskBytes, 0);
            requireMin("--segment-bytes", segmentBytes, 4096);
            requireMin("--segment-ms", segmentMs, 0);
            requireMin("--max-record-bytes", maxRecordBytes, 1);
            requireMin("--max-body-bytes", maxBodyBytes, 1);
            if (maxRecordBytes > maxBodyBytes) {
                throw new ConfigException("--max-record-bytes (" + maxRecordBytes + ") exceeds --max-body-bytes ("
                    + maxBodyBytes + "); a record that large could never be sent");
            }
            if (maxRecordBytes > segmentBytes) {
                throw new ConfigException("--max-record-bytes (" + maxRecordBytes + ") exceeds --segment-bytes ("
                    + segmentBytes + "); a record must fit in one segment");
            }
            requireMin("--max-batch-records", maxBatchRecords, 1);
            requireRange("--max-idempotency-key-bytes", maxIdempotencyKeyBytes, 1, 4096);
            requireMin("--max-consume-records", maxConsumeRecords, 1);
            requireMin("--max-consume-bytes", maxConsumeBytes, 1);
            requireMin("--max-wait-ms", maxWaitMs, 0);
            requireMin("--max-timeout-ms", maxTimeoutMs, 1);
            requireMin("--dedupe-window-ms", dedupeWindowMs, 1);
            requireMin("--dedupe-window-keys", dedupeWindowKeys, 1);
            requireMin("--default-timeout-ms", defaultTimeoutMs, 1);
            if (defaultTimeoutMs > maxTimeoutMs) {
                throw new ConfigException("--default-timeout-ms (" + defaultTimeoutMs + ") exceeds --max-timeout-ms ("
                    + maxTimeoutMs + ")");
            }
            requireMin("--retention-check-ms", retentionCheckMs, 1);
            requireMin("--sse-heartbeat-ms", sseHeartbeatMs, 1);
            requireRange("--io-threads", ioThreads, 0, 1024);
            requireMin("--max-connections", maxConnections, 1);
            if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(logLevel.toUpperCase(java.util.Locale.ROOT))) {
                throw new ConfigException("--log-level '" + logLevel + "' is not one of TRACE, DEBUG, INFO, WARN, ERROR");
            }
            if (!Peer.NODE_ID.matcher(clusterId).matches()) {
                throw new ConfigException("--cluster-id '" + clusterId + "' must match [A-Za-z0-9._-]{1,64}");
            }
            if (join && peers.size() < 2) {
                throw new ConfigException("--join needs --peers naming the running cluster's nodes and this one");
            }
            requireMin("--leader-rebalance-delay-ms", leaderRebalanceDelayMs, 0);
            return new NodeConfig(host, port, dataDir, nodeId, peerPort, peers, tokens, maxDiskBytes, segmentBytes,
                segmentMs, maxRecordBytes, maxBodyBytes, maxBatchRecords, maxIdempotencyKeyBytes, maxConsumeRecords,
                maxConsumeBytes, maxWaitMs, maxTimeoutMs, dedupeWindowMs, dedupeWindowKeys, defaultAcks,
                defaultTimeoutMs, retentionCheckMs, sseHeartbeatMs, ioThreads, maxConnections,
                logLevel.toUpperCase(java.util.Locale.ROOT), clusterId, join, leaderRebalanceDelayMs);
        }

        private static String ids(List<Peer> peers) {
            return peers.stream().map(Peer::id).toList().toString();
        }

        private static void requireMin(String flag, long value, long min) {
            if (value < min) {
                throw new ConfigException(flag + " must be at least " + min + ", got " + value);
            }
        }

        private static void requireRange(String flag, long value, long min, long max) {
            if (value < min || value > max) {
                throw new ConfigException(flag + " must be between " + min + " and " + max + ", got " + value);
            }
        }
    }
}
