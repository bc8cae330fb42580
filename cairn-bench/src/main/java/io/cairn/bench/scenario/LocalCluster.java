package io.cairn.bench.scenario;

import io.cairn.bench.node.Http;
import io.cairn.bench.node.NodeProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A local cluster of real node processes started with {@code cairn start --node-id … --peers …}
 * (DESIGN.md §7), each in its own work dir, so a scenario can SIGKILL and restart one node.
 */
final class LocalCluster implements AutoCloseable {
    /** How long a fresh cluster gets to elect leaders before the scenario gives up. */
    static final long READY_TIMEOUT_MS = 120_000;

    final List<NodeProcess> nodes = new ArrayList<>();
    final List<String> ids = new ArrayList<>();

    LocalCluster(Path cairn, Path workDir, int size, String jvmOpts) throws IOException {
        List<Integer> http = new ArrayList<>();
        List<Integer> peer = new ArrayList<>();
        StringBuilder peers = new StringBuilder();
        for (int i = 1; i <= size; i++) {
            http.add(NodeProcess.freePort());
            peer.add(NodeProcess.freePort());
            ids.add("n" + i);
            peers.append(i > 1 ? "," : "").append("n").append(i).append("=127.0.0.1:").append(peer.get(i - 1))
                    .append("@http://127.0.0.1:").append(http.get(i - 1));
        }
        for (int i = 0; i < size; i++) {
            nodes.add(new NodeProcess(cairn, http.get(i), workDir.resolve(ids.get(i)),
                    List.of("--node-id", ids.get(i), "--peer-port", Integer.toString(peer.get(i)),
                            "--peers", peers.toString()), jvmOpts));
        }
    }

    void start() throws IOException, InterruptedException {
        for (NodeProcess n : nodes) {
            n.start();
        }
        for (NodeProcess n : nodes) {
            n.awaitOk("/ready", READY_TIMEOUT_MS, 50);
        }
    }

    /**
     * Finds the leader of a partition by producing a small probe record to each node: the leader
     * answers 200, a follower 307 with the leader's URL. Retries while the group has no leader.
     */
    NodeProcess leaderOf(String topic, int partition, String acks) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT_MS * 1_000_000L;
        String last = "";
        while (System.nanoTime() < deadline) {
            for (NodeProcess n : nodes) {
                if (!n.alive()) {
                    continue;
                }
                Http.Response r = Http.post(n.baseUrl() + "/broker/topics/" + topic + "/produce?partition=" + partition
                        + "&acks=" + acks, "application/octet-stream", "probe".getBytes(StandardCharsets.US_ASCII));
                if (r.ok()) {
                    return n;
                }
                if (r.status() == 307 && r.location().isPresent()) {
                    int port = URI.create(r.location().get()).getPort();
                    for (NodeProcess m : nodes) {
                        if (m.httpPort() == port && m.alive()) {
                            return m;
                        }
                    }
                }
                last = n.baseUrl() + " answered " + r.status() + " " + r.body();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no leader for " + topic + "/" + partition + " within "
                + READY_TIMEOUT_MS + " ms; last: " + last);
    }

    /** How long {@link #stableLeaders} waits for leadership to stop moving. */
    static final long STABLE_TIMEOUT_MS = 30_000;

    /**
     * The leaders of partitions {@code [0, partitions)} once two looks a second apart agree: right
     * after a topic is created, the first replica to win an election may hand over to the
     * preferred leader, and load pinned to the first winner would then meet only 307s.
     */
    NodeProcess[] stableLeaders(String topic, int partitions, String acks) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STABLE_TIMEOUT_MS * 1_000_000L;
        NodeProcess[] last = null;
        while (true) {
            NodeProcess[] now = new NodeProcess[partitions];
            for (int p = 0; p < partitions; p++) {
                now[p] = leaderOf(topic, p, acks);
            }
            if (java.util.Arrays.equals(now, last) || System.nanoTime() > deadline) {
                return now;
            }
            last = now;
            Thread.sleep(1000);
        }
    }

    String idOf(NodeProcess n) {
        return ids.get(nodes.indexOf(n));
    }

    InetSocketAddress[] addresses() {
        return nodes.stream().map(NodeProcess::address).toArray(InetSocketAddress[]::new);
    }

    List<String> commandLines() {
        return nodes.stream().map(n -> String.join(" ", n.commandLine())).toList();
    }

    @Override
    public void close() {
        for (NodeProcess n : nodes) {
            n.close();
        }
    }
}
