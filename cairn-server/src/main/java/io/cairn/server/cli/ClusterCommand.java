package io.cairn.server.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn cluster --nodes 3}: starts a local cluster of N node processes on loopback, with
 * data under one folder, prints each node's URL, and stops every node on Ctrl-C.
 *
 * <p>Node K (1-based) is {@code nK} with HTTP port {@code basePort + K - 1} and peer port
 * {@code basePort + 100 + K - 1}, data in {@code <data-dir>/nK} and its output in
 * {@code <data-dir>/nK/node.log}. Each node runs the same {@code start} command a production node
 * runs, with the same {@code --peers} list; there is no special bootstrap node.
 *
 * <p>Exit status: 0 after Ctrl-C (or SIGTERM) stopped the nodes; 1 when a node died or did not
 * answer {@code /health} during start (the others are stopped); 2 for bad arguments.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Start a local cluster of N nodes on loopback (one process each) and stop them all on Ctrl-C.")
public final class ClusterCommand implements Callable<Integer> {
    /** How long a node may take to answer /health before the start counts as failed. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** How long stopping nodes may take before they are killed. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** Offset of the peer ports from the HTTP ports (7001 → 7101, as in DESIGN.md §7). */
    static final int PEER_PORT_OFFSET = 100;

    @Option(names = "--nodes", defaultValue = "3", description = "Number of nodes: 1, 3, 5 or 7 (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--base-port", defaultValue = "7001",
            description = "HTTP port of n1; nK gets base+K-1, peer ports are base+100+K-1 (default ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--data-dir", defaultValue = "cluster", description = "Folder holding n1, n2, ... (default ./${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address every node binds and advertises (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--cluster-id", defaultValue = "local", description = "Cluster id checked in every peer handshake (default ${DEFAULT-VALUE}).")
    String clusterId;

    @Option(names = "--jvm-opts", defaultValue = "-Xms128m -Xmx1g",
            description = "JVM options of each node process (default: ${DEFAULT-VALUE}).")
    String jvmOpts;

    @Parameters(description = "Extra flags passed to every node's start command (after --).")
    List<String> nodeArgs = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;
    /** Set once we stop the nodes ourselves, so their exits are not reported as failures. */
    private static volatile boolean stopping;

    public ClusterCommand() {
        this(System.out, System.err);
    }

    ClusterCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs the command standalone: {@code java -cp cairn-server.jar io.cairn.server.cli.ClusterCommand --nodes 3}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ClusterCommand()).execute(args));
    }

    /** One launched node. */
    record Node(String id, int httpPort, int peerPort, Path dir, Process process) {
        String url(String host) {
            return "http://" + host + ":" + httpPort;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (nodes != 1 && nodes != 3 && nodes != 5 && nodes != 7) {
            err.println("cairn cluster: --nodes must be 1, 3, 5 or 7 (odd, so a majority is well defined), got " + nodes);
            return 2;
        }
        if (basePort < 1 || basePort + PEER_PORT_OFFSET + nodes - 1 > 65535) {
            err.println("cairn cluster: --base-port " + basePort + " leaves no room for " + nodes
                    + " HTTP ports and peer ports up to base+" + (PEER_PORT_OFFSET + nodes - 1));
            return 2;
        }
        String peers = peersFlag();
        List<Node> started = new ArrayList<>();
        Thread stopper = new Thread(() -> stopAll(started), "cairn-cluster-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            for (int k = 1; k <= nodes; k++) {
                started.add(launch(k, peers));
            }
            String failure = awaitHealthy(started);
            if (failure != null) {
                err.println("cairn cluster: " + failure);
                stopAll(started);
                return 1;
            }
            for (Node n : started) {
                out.println(n.id() + " " + n.url(host) + "  (peer port " + n.peerPort() + ", data " + n.dir()
                        + ", log " + n.dir().resolve("node.log") + ")");
            }
            out.println("cluster of " + nodes + " nodes is up; Ctrl-C stops all of them");
            out.flush();
            return watch(started);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or ran already: it stops the nodes.
            }
        }
    }

    String peersFlag() {
        List<String> items = new ArrayList<>();
        for (int k = 1; k <= nodes; k++) {
            items.add("n" + k + "=" + host + ":" + (basePort + PEER_PORT_OFFSET + k - 1) + "@http://" + host + ":"
                    + (basePort + k - 1));
        }
        return String.join(",", items);
    }

    private Node launch(int k, String peers) throws IOException {
        String id = "n" + k;
        int httpPort = basePort + k - 1;
        int peerPort = basePort + PEER_PORT_OFFSET + k - 1;
        Path dir = dataDir.resolve(id);
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String opt : jvmOpts.trim().split("\\s+")) {
            if (!opt.isEmpty()) cmd.add(opt);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "start",
                "--node-id", id, "--host", host, "--port", Integer.toString(httpPort),
                "--peer-port", Integer.toString(peerPort), "--data-dir", dir.toString(),
                "--peers", peers));
        cmd.addAll(nodeArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("CAIRN_CLUSTER_ID", clusterId);
        Process p = pb
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node.log").toFile()))
                .start();
        return new Node(id, httpPort, peerPort, dir, p);
    }

    /** Waits until every node answers /health; returns why not, or null. */
    private String awaitHealthy(List<Node> nodes) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (Node n : nodes) {
            // Bounded by START_TIMEOUT; each attempt waits at most 200 ms for the process to exit.
            while (true) {
                if (!n.process().isAlive()) {
                    return "node " + n.id() + " exited with status " + n.process().exitValue() + " during start; last lines of "
                            + n.dir().resolve("node.log") + ":\n" + tail(n.dir().resolve("node.log"), 15);
                }
                if (healthy(http, n)) break;
                if (System.nanoTime() > deadline) {
                    return "node " + n.id() + " did not answer " + n.url(host) + "/health within " + START_TIMEOUT.toSeconds()
                            + " s; see " + n.dir().resolve("node.log");
                }
                try {
                    n.process().waitFor(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return "interrupted while starting";
                }
            }
        }
        return null;
    }

    private boolean healthy(HttpClient http, Node n) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(n.url(host) + "/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Reports nodes that exit; returns once all have exited (after Ctrl-C the shutdown hook stops them). */
    private int watch(List<Node> nodes) throws InterruptedException {
        List<Node> alive = new ArrayList<>(nodes);
        // Bounded by the number of nodes: every iteration removes at least one exited node.
        while (!alive.isEmpty()) {
            var exited = java.util.concurrent.CompletableFuture.anyOf(
                    alive.stream().map(n -> n.process().onExit()).toArray(java.util.concurrent.CompletableFuture[]::new));
            try {
                exited.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            }
            for (Node n : List.copyOf(alive)) {
                if (!n.process().isAlive()) {
                    alive.remove(n);
                    if (stopping) continue;
                    err.println("cairn cluster: node " + n.id() + " exited with status " + n.process().exitValue()
                            + " (" + alive.size() + " still running; see " + n.dir().resolve("node.log") + ")");
                }
            }
        }
        return 0;
    }

    /** Asks every node to stop (SIGTERM), then kills those still running after STOP_TIMEOUT. */
    static void stopAll(List<Node> nodes) {
        stopping = true;
        for (Node n : nodes) n.process().destroy();
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (Node n : nodes) {
            try {
                long leftNs = Math.max(0, deadline - System.nanoTime());
                if (!n.process().waitFor(leftNs, TimeUnit.NANOSECONDS)) {
                    n.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                n.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read: " + e.getMessage() + ")";
        }
    }
}
