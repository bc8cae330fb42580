package io.cairn.bench.scenario;

import io.cairn.bench.node.NodeProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** One fresh node or a fresh local cluster, behind the few calls scenarios need from either. */
final class LocalClusterOrNode implements AutoCloseable {
    private final NodeProcess single;
    private final LocalCluster cluster;

    private LocalClusterOrNode(NodeProcess single, LocalCluster cluster) {
        this.single = single;
        this.cluster = cluster;
    }

    static LocalClusterOrNode start(Path cairn, Path work, int nodes, String jvmOpts)
            throws IOException, InterruptedException {
        if (nodes == 1) {
            NodeProcess n = new NodeProcess(cairn, NodeProcess.freePort(), work.resolve("node1"), List.of(), jvmOpts);
            LocalClusterOrNode c = new LocalClusterOrNode(n, null);
            try {
                n.start();
                n.awaitOk("/ready", LocalCluster.READY_TIMEOUT_MS, 50);
            } catch (IOException | InterruptedException | RuntimeException e) {
                c.close();
                throw e;
            }
            return c;
        }
        LocalCluster cl = new LocalCluster(cairn, work, nodes, jvmOpts);
        LocalClusterOrNode c = new LocalClusterOrNode(null, cl);
        try {
            cl.start();
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The cluster, or null for a single node. */
    LocalCluster cluster() {
        return cluster;
    }

    NodeProcess any() {
        return single != null ? single : cluster.nodes.get(0);
    }

    /** Each partition's leader, once leadership has settled (a single node leads them all). */
    NodeProcess[] leaders(String topic, int partitions, String acks) throws IOException, InterruptedException {
        if (single != null) {
            NodeProcess[] all = new NodeProcess[partitions];
            java.util.Arrays.fill(all, single);
            return all;
        }
        return cluster.stableLeaders(topic, partitions, acks);
    }

    List<String> commandLines() {
        return single != null ? List.of(String.join(" ", single.commandLine())) : cluster.commandLines();
    }

    @Override
    public void close() {
        if (single != null) {
            single.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
