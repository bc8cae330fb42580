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
     * What the cluster did per record in the window, summed over all nodes: produce requests per
     * batch entry (group commit), and fsyncs, peer messages, peer socket flushes and the nodes'
     * context switches per 1,000 records. Unlike throughput these counts do not depend on how busy the machine is, so they
     * show whether a change did less work even when the timing is noise.
     */
    String work(double records) {
        double entries = 0;
        double requests = 0;
        double fsyncs = 0;
        double messages = 0;
        double flushes = 0;
        double switches = 0;
        for (WindowProbe p : probes) {
            switches = switches < 0 || p.contextSwitches < 0 ? -1 : switches + p.contextSwitches;
            entries += p.counterDelta("cairn_produce_batch_entries_total");
            requests += p.counterDelta("cairn_produce_batched_requests_total");
            fsyncs += p.counterDelta("cairn_log_fsyncs_total");
            messages += p.counterDelta("cairn_peer_sent_messages_total");
            flushes += p.counterDelta("cairn_peer_flushes_total");
        }
        if (Double.isNaN(entries + fsyncs + messages + flushes) || records <= 0) {
            return "work per record: n/a";
        }
        return String.format(Locale.ROOT, "%.1f requests per batch entry; per 1,000 records %.0f fsyncs, %.0f peer messages, %.0f peer flushes, %s context switches (all nodes)",
                entries > 0 ? requests / entries : 0, fsyncs * 1000 / records, messages * 1000 / records, flushes * 1000 / records,
                switches < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", switches * 1000 / records));
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
