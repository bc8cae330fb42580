package io.cairn.server.node;

import io.cairn.server.broker.Broker;
import io.cairn.server.broker.ClusterView;
import io.cairn.server.broker.PartitionFactory;
import io.cairn.server.broker.PartitionFactory.PartitionSettings;
import io.cairn.server.config.NodeConfig;
import io.cairn.server.http.HttpApi;
import io.cairn.server.http.SingleNodeCluster;
import io.cairn.server.metrics.BrokerGauges;
import io.cairn.server.metrics.NodeMetrics;
import io.cairn.server.topics.RetentionTask;
import io.cairn.server.topics.TopicRegistry;
import io.netty.channel.unix.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.util.concurrent.CompletableFuture;

/**
 * One node, in-process: {@link #start} checks and locks the data directory, binds HTTP (so a
 * taken port fails fast), then recovers partition logs in the background; {@code /ready} answers
 * 503 until {@link #recovered()} completes. {@link #close} stops HTTP first, then retention, then
 * the partitions, so no request sees a half-closed replica.
 */
public final class CairnNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CairnNode.class);

    private final NodeConfig config;
    private final DataDir dataDir;
    private final NodeMetrics metrics;
    private final TopicRegistry registry;
    private final HttpApi http;
    private final RetentionTask retention;
    private final int httpPort;
    private final CompletableFuture<Void> recovered;

    private CairnNode(NodeConfig config, DataDir dataDir, NodeMetrics metrics, TopicRegistry registry, HttpApi http,
                      RetentionTask retention, int httpPort, CompletableFuture<Void> recovered) {
        this.config = config;
        this.dataDir = dataDir;
        this.metrics = metrics;
        this.registry = registry;
        this.http = http;
        this.retention = retention;
        this.httpPort = httpPort;
        this.recovered = recovered;
    }

    public static CairnNode start(NodeConfig config) throws StartupException {
        return start(config, PartitionEngine.standard());
    }

    public static CairnNode start(NodeConfig config, PartitionEngine engine) throws StartupException {
        DataDir dataDir = DataDir.open(config.dataDir());
        NodeMetrics metrics = new NodeMetrics();
        PartitionFactory factory = null;
        TopicRegistry registry = null;
        HttpApi http = null;
        try {
            factory = engine.create(config, metrics);
            var settings = new PartitionSettings(config.segmentBytes(), config.segmentMs(), config.maxRecordBytes(),
                config.dedupeWindowMs(), config.dedupeWindowKeys());
            int nodes = Math.max(1, config.peers().size());
            registry = new TopicRegistry(dataDir.path(), factory, settings, nodes);
            BrokerGauges.register(metrics, registry);
            String url = config.advertisedUrl(config.port());
            ClusterView cluster = new SingleNodeCluster(config.nodeId(), url);
            http = new HttpApi(config, registry, metrics, cluster);
            int port = bind(http, config);
            CompletableFuture<Void> recovered;
            try {
                recovered = registry.open();
            } catch (IOException e) {
                throw new StartupException("cannot read the topic list in " + dataDir.path() + ": " + e.getMessage());
            }
            recovered.whenComplete((v, t) -> {
                if (t != null) {
                    log.error("partition recovery failed; this node will not become ready", t);
                }
            });
            var retention = new RetentionTask(registry, System::currentTimeMillis);
            retention.start(config.retentionCheckMs());
            if (config.tokens().isEmpty()) {
                log.warn("no tokens configured: the API is open to anyone who can reach {}:{} "
                    + "(configure --token or --tokens-file to require bearer tokens)", config.host(), port);
            } else {
                log.info("bearer-token auth on: {} tokens", config.tokens().size());
            }
            log.info("node {} serving http://{}:{} with data in {}", config.nodeId(), config.host(), port, dataDir.path());
            return new CairnNode(config, dataDir, metrics, registry, http, retention, port, recovered);
        } catch (StartupException e) {
            closeAll(http, registry, factory, dataDir);
            throw e;
        } catch (Exception e) {
            closeAll(http, registry, factory, dataDir);
            throw new StartupException("cannot start: " + e, e);
        }
    }

    private static int bind(HttpApi http, NodeConfig config) throws StartupException {
        try {
            return http.start();
        } catch (Exception e) {
            if (e instanceof BindException || e instanceof Errors.NativeIoException
                    && String.valueOf(e.getMessage()).contains("Address already in use")) {
                throw new StartupException("port " + config.port() + " on " + config.host()
                    + " is already in use (another cairn node?); pick another with --port or CAIRN_PORT");
            }
            if (String.valueOf(e.getMessage()).contains("Cannot assign requested address")) {
                throw new StartupException("cannot listen on " + config.host() + ": no such local address (--host)");
            }
            if (String.valueOf(e.getMessage()).contains("Permission denied")) {
                throw new StartupException("port " + config.port() + " needs privileges this process lacks; use a port above 1023");
            }
            throw new StartupException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
        }
    }

    private static void closeAll(HttpApi http, TopicRegistry registry, PartitionFactory factory, DataDir dataDir) {
        if (http != null) {
            http.close();
        }
        if (registry != null) {
            registry.close(); // closes the factory too
        } else if (factory != null) {
            factory.close();
        }
        dataDir.close();
    }

    public int httpPort() {
        return httpPort;
    }

    /** {@code http://127.0.0.1:<port>} for tests and logs. */
    public String baseUrl() {
        String h = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return "http://" + h + ":" + httpPort;
    }

    /** "epoll" when Netty's native transport loaded, else "nio" (logged at start; tests check it). */
    public String httpTransport() {
        return http.transport();
    }

    /** Completes when every partition log is recovered (the node is ready), or with the failure. */
    public CompletableFuture<Void> recovered() {
        return recovered;
    }

    public Broker broker() {
        return registry;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    public NodeConfig config() {
        return config;
    }

    @Override
    public void close() {
        http.close();
        retention.close();
        registry.close();
        dataDir.close();
        log.info("node {} stopped", config.nodeId());
    }
}
