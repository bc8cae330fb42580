package io.cairn.server.it;

import io.cairn.server.config.NodeConfig;
import io.cairn.server.node.CairnNode;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A real node in this JVM on 127.0.0.1 and a free port, with its data in a test's temp dir. */
final class TestNode implements AutoCloseable {
    private final NodeConfig config;
    private CairnNode node;
    private Http http;

    private TestNode(NodeConfig config) {
        this.config = config;
    }

    static TestNode start(Path dataDir) throws Exception {
        return start(dataDir, b -> { });
    }

    static TestNode start(Path dataDir, Consumer<NodeConfig.Builder> settings) throws Exception {
        var b = NodeConfig.builder().host("127.0.0.1").port(0).dataDir(dataDir);
        b.ioThreads = 2;
        settings.accept(b);
        var n = new TestNode(b.build());
        n.open();
        return n;
    }

    private void open() throws Exception {
        node = CairnNode.start(config);
        node.recovered().get(60, TimeUnit.SECONDS);
        http = new Http(node.baseUrl());
    }

    /** Stops the node cleanly and starts it again on the same data directory. */
    void restart() throws Exception {
        node.close();
        open();
    }

    Http http() {
        return http;
    }

    CairnNode node() {
        return node;
    }

    NodeConfig config() {
        return config;
    }

    @Override
    public void close() {
        if (node != null) {
            node.close();
        }
    }
}
