package io.cairn.chaos.cluster;

import io.cairn.chaos.proxy.ProxyMesh;
import io.cairn.client.CairnClient;
import io.cairn.client.CairnClientConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * N Cairn nodes as child processes on loopback. Peer traffic between every ordered pair runs
 * through a {@link ProxyMesh}; HTTP stays direct so the harness always sees what a client sees.
 * Every process started here is killed by {@link #close()} and, should the harness die first, by a
 * JVM shutdown hook.
 */
public final class LocalCluster implements AutoCloseable {
    /** Node processes still alive in this JVM, killed by the shutdown hook if nothing else did. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "chaos-kill-nodes"));
    }

    /** What a node is doing as far as the harness knows. */
    public enum State { DOWN, RUNNING, PAUSED }

    private final Map<String, NodeSpec> specs = new LinkedHashMap<>();
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Map<String, Integer> starts = new ConcurrentHashMap<>();
    private final ServerLauncher launcher;
    private final List<String> extraArgs;
    private final ProxyMesh mesh;
    private final Path runDir;
    /** The power-loss filesystem, or null when data directories are plain directories. */
    private final LossyFs lossyFs;
    private final Map<String, LossyMount> mounts = new ConcurrentHashMap<>();

    /**
     * Lays out {@code nodes} nodes under {@code runDir} (data in {@code runDir/n1/data}, logs in
     * {@code runDir/logs/n1.log}) and opens the proxy mesh. Nothing is started yet.
     */
    public LocalCluster(Path runDir, int nodes, ServerLauncher launcher, List<String> extraArgs, long seed) throws IOException {
        this(runDir, nodes, launcher, extraArgs, seed, null);
    }

    /**
     * As above; with {@code lossyFs} every node's data directory is a mount of the power-loss
     * filesystem over {@code runDir/nK/disk} (the "disk"), mounted before each start, so
     * {@link #powerCut} can drop what the node did not fsync.
     */
    public LocalCluster(Path runDir, int nodes, ServerLauncher launcher, List<String> extraArgs, long seed, LossyFs lossyFs)
            throws IOException {
        this.lossyFs = lossyFs;
        if (nodes < 1 || nodes > 9) {
            throw new IllegalArgumentException("nodes must be 1..9, got " + nodes);
        }
        this.runDir = runDir;
        this.launcher = launcher;
        this.extraArgs = List.copyOf(extraArgs);
        Files.createDirectories(runDir.resolve("logs"));
        Map<String, InetSocketAddress> peerAddresses = new LinkedHashMap<>();
        for (int i = 1; i <= nodes; i++) {
            String id = "n" + i;
            NodeSpec s = new NodeSpec(id, Ports.free(), Ports.free(), runDir.resolve(id).resolve("data"),
                    runDir.resolve("logs").resolve(id + ".log"));
            Files.createDirectories(s.dataDir());
            if (lossyFs != null) {
                Files.createDirectories(diskDir(id));
            }
            specs.put(id, s);
            states.put(id, State.DOWN);
            peerAddresses.put(id, new InetSocketAddress(InetAddress.getLoopbackAddress(), s.peerPort()));
        }
        this.mesh = nodes > 1 ? new ProxyMesh(peerAddresses, seed, Ports::free) : null;
    }

    public List<String> ids() {
        return List.copyOf(specs.keySet());
    }

    public NodeSpec spec(String id) {
        NodeSpec s = specs.get(id);
        if (s == null) {
            throw new IllegalArgumentException("unknown node " + id + "; nodes are " + specs.keySet());
        }
        return s;
    }

    public List<String> httpUrls() {
        return specs.values().stream().map(NodeSpec::httpUrl).toList();
    }

    /** The proxy mesh, or null for a single node. */
    public ProxyMesh mesh() {
        return mesh;
    }

    public Path runDir() {
        return runDir;
    }

    /** Where the power-loss filesystem keeps node {@code id}'s "disk" (only with a {@link LossyFs}). */
    public Path diskDir(String id) {
        return runDir.resolve(id).resolve("disk");
    }

    /** Whether data directories are power-loss mounts. */
    public boolean lossy() {
        return lossyFs != null;
    }

    public State state(String id) {
        return states.get(id);
    }

    /** The {@code --peers} value node {@code self} gets: other nodes' peer addresses are its outgoing proxies. */
    public String peersFor(String self) {
        StringJoiner j = new StringJoiner(",");
        for (NodeSpec s : specs.values()) {
            int port = s.id().equals(self) ? s.peerPort() : mesh.port(self, s.id());
            j.add(s.id() + "=127.0.0.1:" + port + "@" + s.httpUrl());
        }
        return j.toString();
    }

    /** The full command that starts {@code id}. */
    public List<String> command(String id) {
        NodeSpec s = spec(id);
        List<String> cmd = new ArrayList<>(launcher.prefix());
        cmd.add("start");
        cmd.addAll(List.of("--node-id", id, "--port", String.valueOf(s.httpPort()), "--data-dir", s.dataDir().toString()));
        if (specs.size() > 1) {
            cmd.addAll(List.of("--peer-port", String.valueOf(s.peerPort()), "--peers", peersFor(id)));
        }
        cmd.addAll(extraArgs);
        return cmd;
    }

    /** Starts {@code id} (no-op if it runs); output is appended to its log file with a header per start. */
    public synchronized void start(String id) {
        if (states.get(id) != State.DOWN) {
            return;
        }
        NodeSpec s = spec(id);
        List<String> cmd = command(id);
        int n = starts.merge(id, 1, Integer::sum);
        try {
            if (lossyFs != null) {
                LossyMount m = mounts.get(id);
                if (m == null || !m.alive()) {
                    if (m != null) {
                        m.close();
                    }
                    mounts.put(id, lossyFs.mount(diskDir(id), s.dataDir(), runDir.resolve("logs").resolve(id + "-lossyfs.log")));
                }
            }
            Files.writeString(s.logFile(), "=== chaos: start #" + n + " of " + id + " at " + Instant.now() + ": "
                    + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(s.logFile().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            LIVE.add(p);
            processes.put(id, p);
            states.put(id, State.RUNNING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + id + ": " + String.join(" ", cmd), e);
        }
    }

    public void startAll() {
        for (String id : specs.keySet()) {
            start(id);
        }
    }

    /** SIGKILL: no shutdown hooks, no flush; whatever was not fsynced is gone. Waits until the process is reaped. */
    public synchronized void kill(String id) {
        Process p = processes.remove(id);
        if (p != null) {
            p.destroyForcibly();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(id + " did not die within 10 s of SIGKILL (pid " + p.pid() + ")");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LIVE.remove(p);
        }
        states.put(id, State.DOWN);
    }

    /**
     * Power loss of {@code ids} at one instant: SIGKILL every one of them first (a power cut stops
     * them all at once), then drop every write their filesystems had not fsynced and unmount. Nodes
     * stay down; {@link #start} remounts. Returns each node's account of what was dropped.
     */
    public Map<String, String> powerCut(List<String> ids) {
        if (lossyFs == null) {
            throw new IllegalStateException("power cut needs the cluster to run on the power-loss filesystem");
        }
        // One instant for all targets: freeze every node with one kill(1), then cut every
        // filesystem with one more, and only then SIGKILL. Killing one by one would let the
        // later nodes finish fsyncs the power cut should have stopped.
        List<Long> nodePids = new ArrayList<>();
        for (String id : ids) {
            Process p = processes.get(id);
            if (p != null && p.isAlive()) {
                nodePids.add(p.pid());
            }
        }
        Map<String, LossyMount> cut = new LinkedHashMap<>();
        Map<String, String> logs = new LinkedHashMap<>();
        List<Long> fsPids = new ArrayList<>();
        for (String id : ids) {
            LossyMount m = mounts.remove(id);
            if (m != null) {
                cut.put(id, m);
                logs.put(id, m.logBeforeCut());
                fsPids.add(m.pid());
            }
        }
        signalAll("STOP", nodePids);
        signalAll("USR1", fsPids);
        ids.forEach(this::kill);
        Map<String, String> out = new LinkedHashMap<>();
        for (String id : ids) {
            LossyMount m = cut.get(id);
            out.put(id, m == null ? "not mounted" : m.finishCut(logs.get(id)));
        }
        return out;
    }

    /** Sends {@code sig} to all {@code pids} with one kill(1), so they get it at (nearly) one instant. */
    private static void signalAll(String sig, List<Long> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig));
        pids.forEach(p -> cmd.add(String.valueOf(p)));
        try {
            Process k = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!k.waitFor(5, TimeUnit.SECONDS)) {
                k.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 5 s");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGSTOP: the process freezes mid-whatever, sockets stay open, timers stop. */
    public synchronized void pause(String id) {
        Process p = processes.get(id);
        if (p != null && p.isAlive() && states.get(id) == State.RUNNING) {
            signal(p, "STOP");
            states.put(id, State.PAUSED);
        }
    }

    /** SIGCONT. */
    public synchronized void resume(String id) {
        Process p = processes.get(id);
        if (p != null && states.get(id) == State.PAUSED) {
            signal(p, "CONT");
            states.put(id, State.RUNNING);
        }
    }

    public void restart(String id) {
        kill(id);
        start(id);
    }

    /**
     * Notices nodes that exited on their own (e.g. a node that stops on detected corruption) and
     * marks them down. Returns the ids and exit codes found.
     */
    public synchronized Map<String, Integer> reapExited() {
        Map<String, Integer> exited = new LinkedHashMap<>();
        for (Map.Entry<String, Process> e : Map.copyOf(processes).entrySet()) {
            if (!e.getValue().isAlive()) {
                exited.put(e.getKey(), e.getValue().exitValue());
                processes.remove(e.getKey());
                LIVE.remove(e.getValue());
                states.put(e.getKey(), State.DOWN);
            }
        }
        return exited;
    }

    public long pid(String id) {
        Process p = processes.get(id);
        return p == null ? -1 : p.pid();
    }

    private static void signal(Process p, String sig) {
        try {
            Process k = new ProcessBuilder("kill", "-" + sig, String.valueOf(p.pid())).redirectErrorStream(true).start();
            if (!k.waitFor(5, TimeUnit.SECONDS) || k.exitValue() != 0) {
                throw new IllegalStateException("kill -" + sig + " " + p.pid() + " failed: "
                        + new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A client that talks to {@code id} only: no failover, no redirects (to read one node directly). */
    public CairnClient directClient(String id, Duration requestTimeout) {
        return new CairnClient(CairnClientConfig.builder().node(spec(id).httpUrl()).failover(false).followRedirects(false)
                .requestTimeout(requestTimeout).totalTimeout(requestTimeout.multipliedBy(2)).attemptsMax(2).build());
    }

    /**
     * Waits until {@code id} answers {@code /ready} with 200, or the deadline passes, or the process
     * exits. Polls every 100 ms; returns whether it became ready.
     */
    public boolean awaitReady(String id, Duration timeout) {
        CairnClient c = new CairnClient(CairnClientConfig.builder().node(spec(id).httpUrl())
                .connectTimeout(Duration.ofMillis(500)).requestTimeout(Duration.ofSeconds(2)).build());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Process p = processes.get(id);
            if (p == null || !p.isAlive()) {
                return false;
            }
            if (c.ready()) {
                return true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** Last {@code lines} lines of a node's log, for error messages. */
    public String logTail(String id, int lines) {
        try {
            List<String> all = Files.readAllLines(spec(id).logFile(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Kills every node, unmounts the power-loss filesystems (keeping their data) and closes the proxies. */
    @Override
    public void close() {
        for (String id : specs.keySet()) {
            try {
                kill(id);
            } catch (RuntimeException e) {
                System.err.println("chaos: while killing " + id + ": " + e.getMessage());
            }
        }
        for (Map.Entry<String, LossyMount> e : Map.copyOf(mounts).entrySet()) {
            try {
                e.getValue().close();
            } catch (RuntimeException ex) {
                System.err.println("chaos: while unmounting " + e.getKey() + ": " + ex.getMessage());
            }
            mounts.remove(e.getKey());
        }
        if (mesh != null) {
            mesh.close();
        }
    }
}
