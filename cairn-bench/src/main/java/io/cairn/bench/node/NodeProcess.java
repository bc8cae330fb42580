package io.cairn.bench.node;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One Cairn node, started exactly as {@code cairn start …} would start it (same JDK, the
 * launcher's low-pause collector and heap, the server jar next to the launcher) plus GC and
 * safepoint logging to {@code gc.log} in its work directory, and its output in {@code node.log}.
 * The JVM is spawned directly, so the process handle is the node itself and SIGKILL hits it;
 * if the jar is missing it falls back to the launcher, which {@code exec}s the JVM too.
 */
public final class NodeProcess implements AutoCloseable {
    /**
     * The launcher's default collector and heap, for JVMs that only need to compete for CPU like
     * a node (the bare Netty throughput ceiling); nodes get {@code cairn jvm-opts}.
     */
    public static final String JVM_OPTS = "-XX:+UseZGC -Xms64m -Xmx2g";
    /** How long a node gets to exit after SIGTERM before it is SIGKILLed. */
    static final long STOP_GRACE_MS = 10_000;

    private final Path cairn;
    private final List<String> args;
    private final Path workDir;
    private final String extraJvmOpts;
    private final int httpPort;
    private Process process;
    private long startedNanos;

    public NodeProcess(Path cairn, int httpPort, Path workDir, List<String> extraArgs, String extraJvmOpts) {
        this.cairn = cairn;
        this.httpPort = httpPort;
        this.workDir = workDir;
        this.extraJvmOpts = extraJvmOpts == null ? "" : extraJvmOpts;
        List<String> a = new ArrayList<>(List.of("start", "--host", "127.0.0.1", "--port", Integer.toString(httpPort),
                "--data-dir", workDir.resolve("data").toString()));
        a.addAll(extraArgs);
        this.args = List.copyOf(a);
    }

    /** Starts (or restarts on the same data) and returns {@link System#nanoTime()} just before the spawn. */
    public long start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("node on port " + httpPort + " is already running");
        }
        Files.createDirectories(workDir);
        String jvmOpts = (jvmOpts() + " -Xlog:gc*,safepoint:file=" + gcLog() + "::filecount=0 " + extraJvmOpts).strip();
        List<String> cmd = new ArrayList<>();
        Path jar = serverJar();
        if (Files.isRegularFile(jar)) {
            // Same JVM and options the launcher would use, minus its bash start-up and staleness
            // scan of the source tree, which would otherwise be counted as node start-up time.
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(List.of(jvmOpts.split("\\s+")));
            cmd.add("-jar");
            cmd.add(jar.toString());
        } else {
            cmd.add(cairn.toString());
        }
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("node.log").toFile()));
        pb.environment().put("CAIRN_JVM_OPTS", jvmOpts);
        startedNanos = System.nanoTime();
        process = Processes.register(pb.start());
        return startedNanos;
    }

    /** The options {@code cairn start} uses (collector, heap, class-data archive), space-separated. */
    public String jvmOpts() {
        return String.join(" ", LauncherJvmOpts.forServer(cairn));
    }

    /**
     * CPU time the node's process has used so far, all threads (JIT compilers and GC included),
     * in ms; -1 if the OS does not say. Read next to a wall-clock figure on a shared machine, it
     * tells work done from time spent waiting for a core.
     */
    public long cpuMillis() {
        Process p = process;
        if (p == null) {
            return -1;
        }
        return p.toHandle().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
    }

    /** The jar the launcher runs for {@code cairn start}, next to the launcher. */
    public Path serverJar() {
        return cairn.toAbsolutePath().getParent().resolve("cairn-server/target/cairn-server.jar");
    }

    /** SIGKILL: no shutdown hooks, no flush, exactly what a crash looks like to the log. */
    public void kill() {
        if (process != null) {
            Processes.kill(process);
            process = null;
        }
    }

    /**
     * Ends a scenario's node: SIGTERM first so a JFR recording (if any) is written on exit, then
     * SIGKILL if it is not gone within {@link #STOP_GRACE_MS}. Crash tests call {@link #kill()}.
     */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                process.waitFor(STOP_GRACE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        kill();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public int httpPort() {
        return httpPort;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", httpPort);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public Path workDir() {
        return workDir;
    }

    public Path dataDir() {
        return workDir.resolve("data");
    }

    public Path gcLog() {
        return workDir.resolve("gc.log");
    }

    public Path log() {
        return workDir.resolve("node.log");
    }

    public List<String> commandLine() {
        List<String> cmd = new ArrayList<>();
        cmd.add("./cairn");
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Polls {@code path} until it answers 200; returns {@link System#nanoTime()} of that answer.
     * Fails with the tail of the node's log if the process dies or the deadline passes.
     */
    public long awaitOk(String path, long timeoutMs, long pollMs) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true) {
            Http.Response r = Http.tryGet(baseUrl() + path);
            long now = System.nanoTime();
            if (r != null && r.status() == 200) {
                return now;
            }
            if (!alive()) {
                throw new IllegalStateException("node on port " + httpPort + " exited before " + path
                        + " answered 200; its log ends with:\n" + tail());
            }
            if (now > deadline) {
                throw new IllegalStateException(path + " on port " + httpPort + " not 200 within " + timeoutMs
                        + " ms (last: " + (r == null ? "no answer" : r.status() + " " + r.body()) + "); log tail:\n" + tail());
            }
            Thread.sleep(pollMs);
        }
    }

    /** The last lines of the node's output, for error messages. */
    public String tail() throws IOException {
        if (!Files.exists(log())) {
            return "(no output)";
        }
        List<String> lines = Files.readAllLines(log());
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    /** A free TCP port on loopback (bound to 0 and released, so a race is possible but rare). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The node's process id, or -1 when it is not running. */
    public long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    public long startedNanos() {
        return startedNanos;
    }
}
