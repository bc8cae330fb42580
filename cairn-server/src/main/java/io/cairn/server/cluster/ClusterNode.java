package io.cairn.server.cluster;

import io.cairn.core.NodeId;
import io.cairn.core.raft.RaftMessage;
import io.cairn.server.broker.PartitionFactory.PartitionSettings;
import io.cairn.server.cluster.metadata.MetadataGroup;
import io.cairn.server.cluster.metadata.NodeInfo;
import io.cairn.server.config.NodeConfig;
import io.cairn.server.config.Peer;
import io.cairn.server.http.HttpApi;
import io.cairn.server.metrics.NodeMetrics;
import io.cairn.server.node.StartupException;
import io.cairn.server.replica.ReplicaFactory;
import io.cairn.server.replica.ReplicaOptions;
import io.cairn.server.transport.PeerAddress;
import io.cairn.server.transport.PeerTransport;
import io.cairn.server.transport.RaftMessageCodec;
import io.cairn.server.transport.TransportConfig;
import io.cairn.storage.Flusher;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a cluster ({@code cairn start --node-id … --peers …}): the peer transport, the
 * metadata group, the partition replicas placed here and the HTTP API.
 *
 * <p>Start order: lock the data directory, bind the peer port, open the metadata group (it
 * replays its log and reopens the replicas placed here), then bind HTTP. Close order is the
 * reverse, so no request meets a half-closed replica and no replica loses its transport early.
 *
 * <p>{@code --cluster-id} (default {@code cairn}) is checked in every peer handshake;
 * {@code --join} starts a node that is being added to a running cluster
 * ({@code POST /cluster/nodes}): it learns the cluster's history from the metadata leader instead
 * of bootstrapping from {@code --peers}. Both are also environment variables and file keys, like
 * every setting.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    /** One Raft tick of the metadata group; its election timeout is 10 ticks. */
    static final long METADATA_TICK_MS = 100;
    static final long METADATA_PROPOSAL_TIMEOUT_MS = 5_000;

    private final FileChannel lockChannel;
    private final PeerTransport<RaftMessage> transport;
    private final Flusher metadataFlusher;
    private final MetadataGroup metadata;
    private final ClusterBroker broker;
    private final HttpApi http;
    private final int httpPort;
    private final ClusterRetention retention;
    private final ClusterControl control;

    private ClusterNode(FileChannel lockChannel, PeerTransport<RaftMessage> transport, Flusher metadataFlusher,
                        MetadataGroup metadata, ClusterBroker broker, HttpApi http, int httpPort, ClusterRetention retention,
                        ClusterControl control) {
        this.retention = retention;
        this.control = control;
        this.lockChannel = lockChannel;
        this.transport = transport;
        this.metadataFlusher = metadataFlusher;
        this.metadata = metadata;
        this.broker = broker;
        this.http = http;
        this.httpPort = httpPort;
    }

    public static ClusterNode start(NodeConfig config) throws StartupException {
        NodeId self = NodeId.of(config.nodeId());
        String clusterId = config.clusterId();
        boolean joining = config.join();
        List<NodeInfo> nodes = new ArrayList<>();
        for (Peer p : config.peers()) nodes.add(new NodeInfo(p.id(), p.peerHost(), p.peerPort(), p.httpBase()));

        FileChannel lock = lockDataDir(config.dataDir());
        PeerTransport<RaftMessage> transport = null;
        Flusher flusher = null;
        MetadataGroup metadata = null;
        ClusterBroker broker = null;
        HttpApi http = null;
        ClusterControl control = null;
        try {
            RaftRouter router = new RaftRouter();
            try {
                transport = PeerTransport.start(TransportConfig.defaults(self.value(), clusterId, config.host(),
                        config.peerPort()), new RaftMessageCodec(), router);
            } catch (IllegalStateException e) {
                throw new StartupException(e.getMessage() + " (--peer-port)");
            }
            router.attach(transport);
            for (NodeInfo n : nodes) transport.addPeer(new PeerAddress(n.id(), n.peerHost(), n.peerPort()));

            NodeMetrics metrics = new NodeMetrics();
            io.cairn.server.transport.TransportMetrics.register(metrics.registry(), transport);
            ClusterBroker[] brokerRef = new ClusterBroker[1];
            io.cairn.server.replica.PeerTransport replicaTransport = new io.cairn.server.replica.PeerTransport() {
                @Override
                public void send(RaftMessage message) {
                    router.send(message);
                }

                @Override
                public Optional<String> httpUrl(NodeId node) {
                    return brokerRef[0] == null ? Optional.empty() : brokerRef[0].httpUrl(node);
                }
            };
            ReplicaOptions options = ReplicaOptions.defaults(self).withDiskBytesMax(Math.max(0, config.maxDiskBytes()));
            ReplicaFactory factory = new ReplicaFactory(options, replicaTransport, metrics);
            PartitionSettings settings = new PartitionSettings(config.segmentBytes(), config.segmentMs(),
                    config.maxRecordBytes(), config.dedupeWindowMs(), config.dedupeWindowKeys());
            broker = new ClusterBroker(self, config.dataDir(), settings, factory, router, transport);
            brokerRef[0] = broker;

            flusher = new Flusher("metadata");
            metadata = new MetadataGroup(self, config.dataDir().resolve("cluster").resolve("metadata"), flusher, nodes,
                    joining, router, broker, METADATA_TICK_MS, METADATA_PROPOSAL_TIMEOUT_MS, ClusterNode::fatal);
            router.register(MetadataGroup.GROUP_ID.value(), metadata::onMessage);
            broker.attach(metadata);

            control = new ClusterControl(self, metadata, broker, config.tokens(), config.leaderRebalanceDelayMs());
            http = new HttpApi(config, broker, metrics, control);
            int port;
            try {
                port = http.start();
            } catch (Exception e) {
                throw new StartupException("port " + config.port() + " on " + config.host()
                        + " cannot be bound (" + e.getMessage() + "); pick another with --port");
            }
            log.info("node {} of cluster '{}' serving http://{}:{}, peers on port {}, data in {}{}", self, clusterId,
                    config.host(), port, transport.port(), config.dataDir(), joining ? " (joining)" : "");
            ClusterRetention retention = new ClusterRetention(self, broker, System::currentTimeMillis);
            retention.start(config.retentionCheckMs());
            control.start();
            return new ClusterNode(lock, transport, flusher, metadata, broker, http, port, retention, control);
        } catch (StartupException e) {
            if (control != null) control.close();
            closeAll(http, broker, metadata, flusher, transport, lock);
            throw e;
        } catch (Exception e) {
            if (control != null) control.close();
            closeAll(http, broker, metadata, flusher, transport, lock);
            throw new StartupException("cannot start: " + e, e);
        }
    }

    /**
     * Runs a cluster node until the process is asked to stop (SIGTERM / Ctrl-C). Used by
     * {@code cairn start} when {@code --peers} names more than this node.
     */
    public static int runUntilStopped(NodeConfig config) throws StartupException, InterruptedException {
        ClusterNode node = start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "cairn-shutdown"));
        stopped.await();
        return 0;
    }

    private static FileChannel lockDataDir(Path dir) throws StartupException {
        try {
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                ch.close();
                throw new StartupException("data directory " + dir + " is in use by another cairn process");
            }
            return ch;
        } catch (IOException e) {
            throw new StartupException("data directory " + dir + " is unusable: " + e.getMessage());
        }
    }

    /** Failing storage stops the node (DESIGN.md §1.8): no retry, no silent skip. */
    private static void fatal(Throwable t) {
        log.error("metadata group failed; stopping this node", t);
        Runtime.getRuntime().halt(70);
    }

    public int httpPort() {
        return httpPort;
    }

    public ClusterBroker broker() {
        return broker;
    }

    public MetadataGroup metadata() {
        return metadata;
    }

    private static void closeAll(HttpApi http, ClusterBroker broker, MetadataGroup metadata, Flusher flusher,
                                 PeerTransport<RaftMessage> transport, FileChannel lock) {
        if (http != null) http.close();
        if (metadata != null) metadata.close();
        if (broker != null) broker.close();
        if (flusher != null) flusher.close();
        if (transport != null) transport.close();
        try {
            if (lock != null) lock.close();
        } catch (IOException ignored) {
            // The lock dies with the process anyway.
        }
    }

    @Override
    public void close() {
        retention.close();
        control.close();
        closeAll(http, broker, metadata, metadataFlusher, transport, lockChannel);
        log.info("cluster node stopped");
    }
}
