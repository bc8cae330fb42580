package io.cairn.server.http;

import io.cairn.server.broker.Broker;
import io.cairn.server.broker.ClusterView;
import io.cairn.server.config.NodeConfig;
import io.cairn.server.http.Router.Access;
import io.cairn.server.http.Router.Body;
import io.cairn.server.metrics.NodeMetrics;

import java.io.IOException;
import java.util.Set;

import static io.netty.handler.codec.http.HttpMethod.DELETE;
import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.POST;

/**
 * The API.md route table and the server that serves it. Each line names the route's method,
 * path, who may call it, how its body is read, and its query parameters; anything else is a 400.
 */
public final class HttpApi implements AutoCloseable {
    private final HttpServer server;

    public HttpApi(NodeConfig config, Broker broker, NodeMetrics metrics, ClusterView cluster) throws IOException {
        var api = new ApiContext(broker, config, metrics, cluster, new DiskGuard(broker, config.maxDiskBytes(), config.dataDir()));
        var node = new NodeRoutes(api);
        var produce = new ProduceRoutes(api);
        var topics = new TopicRoutes(api, produce);
        var consume = new ConsumeRoutes(api);
        var stream = new SseStream(api);
        var none = Set.<String>of();
        // Routes that name an existing topic: a 404 is confirmed against the metadata leader
        // first. Topic create, delete and retention are not wrapped: they are decided by the
        // metadata leader itself, so their 404 is already authoritative (and a delete must never
        // be repeated after a look-again, or it could delete a topic created meanwhile).
        var seen = new TopicSeen(broker);
        var router = new Router()
            .add(GET, "/health", Access.OPEN, Body.NONE, none, node::health)
            .add(GET, "/ready", Access.OPEN, Body.NONE, none, node::ready)
            .add(GET, "/metrics", Access.OPEN, Body.NONE, none, node::metrics)
            .add(GET, "/cluster", Access.AUTHENTICATED, Body.NONE, none, node::cluster)
            .add(POST, "/cluster/transfer-leadership", Access.ADMIN, Body.JSON, none, node::transferLeadership)
            .add(POST, "/cluster/nodes", Access.ADMIN, Body.JSON, none, node::addNode)
            .add(DELETE, "/cluster/nodes/{id}", Access.ADMIN, Body.NONE, none, node::removeNode)
            .add(POST, "/cluster/rebalance", Access.ADMIN, Body.NONE, Set.of("scope"), node::rebalance)
            .add(POST, "/cluster/partitions/move", Access.ADMIN, Body.JSON, none, node::moveReplica)
            .add(GET, "/cluster/metadata/read-index", Access.ADMIN, Body.NONE, none, node::metadataReadIndex)
            .add(GET, "/cluster/metadata/applied", Access.ADMIN, Body.NONE, Set.of("index"), node::metadataApplied)
            .add(POST, "/broker/topics", Access.ADMIN, Body.JSON, none, topics::create)
            .add(GET, "/broker/topics", Access.AUTHENTICATED, Body.NONE, none, topics::list)
            .add(GET, "/broker/topics/{topic}", Access.AUTHENTICATED, Body.NONE, none, seen.of(topics::describe))
            .add(DELETE, "/broker/topics/{topic}", Access.ADMIN, Body.NONE, none, topics::delete)
            .add(POST, "/broker/topics/{topic}/produce", Access.PRODUCE_TOPIC, Body.RAW,
                Set.of("partition", "key", "idempotency_key", "acks", "timeout_ms", "timing"), seen.of(produce::produce))
            .add(POST, "/broker/topics/{topic}/produce-ndjson", Access.PRODUCE_TOPIC, Body.NDJSON,
                Set.of("partition", "acks", "timeout_ms", "envelope", "timing"), seen.of(produce::produceNdjson))
            .add(GET, "/broker/consume/{topic}/{group}/{partition}", Access.CONSUME_TOPIC, Body.NONE,
                Set.of("offset", "limit", "max_bytes", "wait_ms", "encoding"), seen.of(consume::consume))
            .add(GET, "/broker/stream/{topic}/{group}/{partition}", Access.CONSUME_TOPIC, Body.NONE,
                Set.of("offset", "encoding"), seen.of(stream::open))
            .add(POST, "/broker/commit", Access.AUTHENTICATED, Body.JSON, none, seen.of(consume::commit))
            .add(GET, "/broker/groups/{group}", Access.AUTHENTICATED, Body.NONE, Set.of("scope"), consume::group)
            .add(POST, "/broker/retention", Access.ADMIN, Body.JSON, none, topics::setRetention)
            .add(POST, "/broker/delete-before", Access.ADMIN, Body.JSON, none, seen.of(topics::deleteBefore))
            .add(POST, "/bench/noop", Access.AUTHENTICATED, Body.RAW, none, node::benchNoop);
        this.server = new HttpServer(config.host(), config.port(), config.ioThreads(), config.maxBodyBytes(),
            config.maxConnections(), router, new Auth(config.tokens()), metrics);
    }

    /** Binds and returns the port; a bind failure (port in use) is thrown unchanged. */
    public int start() throws Exception {
        return server.start();
    }

    /** "epoll" or "nio", for logs and tests. */
    public String transport() {
        return server.transport();
    }

    @Override
    public void close() {
        server.close();
    }
}
