package io.cairn.bench.scenario;

import io.cairn.bench.load.WindowListener;
import io.cairn.bench.node.NodeProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link WindowProbe} on every node of a local cluster for one measured window: server timings
 * and GC come from one node the scenario names (a partition leader), CPU from all of them, since
 * on one machine the followers' fsyncs, appends and acks compete for the same cores as the leader.
 */
final class ClusterProbe implements WindowListener {
    private final List<NodeProcess> nodes;
    private final List<String> ids;
    private final List<WindowProbe> probes = new ArrayList<>();
    private final int mainIndex;

    ClusterProbe(LocalCluster cluster, NodeProcess main) {
        this.nodes = cluster.nodes;
        this.ids = cluster.ids;
        this.mainIndex = nodes.indexOf(main);
        for (NodeProcess n : nodes) {
            probes.add(new WindowProbe(n));
        }
    }

    @Override
    public void started() throws Exception {
        for (WindowProbe p : probes) {
            p.started();
        }
    }

    @Override
    public void ended() throws Exception {
        for (WindowProbe p : probes) {
            p.ended();
        }
    }

    /** The probe of the node whose server timings and GC the report shows. */
    WindowProbe main() {
        return probes.get(mainIndex);
    }

    /**
     * CPU of every node in the window, e.g. {@code n1 0.62, n2 0.21, n3 0.20 cores; 37 µs CPU/msg
     * over all nodes}: the cluster's cost per record, which contention on a shared box distorts
     * far less than throughput.
     */
    String cpu(double requestsPerSecond) {
        StringBuilder sb = new StringBuilder("CPU by node: ");
        double totalCores = 0;
        boolean known = true;
        for (int i = 0; i < probes.size(); i++) {
            double c = probes.get(i).nodeCores();
            sb.append(i == 0 ? "" : ", ").append(ids.get(i)).append(' ')
                    .append(c < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", c));
            known &= c >= 0;
            totalCores += Math.max(0, c);
        }
        sb.append(" cores");
        if (known && requestsPerSecond > 0) {
            sb.append(String.format(Locale.ROOT, "; %.0f µs CPU/request over all nodes", totalCores * 1e6 / requestsPerSecond));
        }
        return sb.toString();
    }
}
