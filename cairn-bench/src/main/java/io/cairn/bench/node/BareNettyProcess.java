package io.cairn.bench.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bare Netty baseline server in its own JVM, with the same collector and heap as a node,
 * so the ceiling it measures pays the same process and GC costs a node pays.
 */
public final class BareNettyProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private BareNettyProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static BareNettyProcess start(int ioThreads) throws IOException {
        return start(ioThreads, Arrays.asList(NodeProcess.JVM_OPTS.split(" ")));
    }

    /**
     * Starts it with the options {@code cairn start} gives a node ({@code cairn jvm-opts}), its
     * class-data archive next to the bench jar: the floor a node's start-up is measured against
     * must start the JVM the same way the node's launcher does.
     */
    public static BareNettyProcess startLikeLauncher(int ioThreads, Path cairn) throws IOException {
        Path stem = Path.of(benchJar()).resolveSibling("bare-netty.jar");
        return start(ioThreads, LauncherJvmOpts.forArchiveStem(cairn, stem));
    }

    private static BareNettyProcess start(int ioThreads, List<String> jvmOpts) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOpts);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled",
                "-cp", benchJar(), "io.cairn.bench.baseline.BareNettyServer", "0",
                Integer.toString(ioThreads)));
        Process p = Processes.register(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        // JVM options (e.g. a JFR recording from JAVA_TOOL_OPTIONS) may print lines first.
        String line = out.readLine();
        for (int skipped = 0; line != null && !line.startsWith("listening ") && skipped < 50; skipped++) {
            line = out.readLine();
        }
        if (line == null || !line.startsWith("listening ")) {
            Processes.kill(p);
            throw new IllegalStateException("bare Netty server did not start: " + line);
        }
        return new BareNettyProcess(p, Integer.parseInt(line.split(" ")[1]));
    }

    public long pid() {
        return process.pid();
    }

    /** CPU time the server's JVM has used so far, all threads, in ms; -1 if the OS does not say. */
    public long cpuMillis() {
        return process.toHandle().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Override
    public void close() {
        Processes.kill(process);
    }

    /**
     * Stops it the clean way (its stdin closed, bounded wait, then SIGKILL), so a JVM started
     * with {@code -XX:+AutoCreateSharedArchive} writes its class-data archive on the way out.
     */
    public void stopCleanly(long timeoutMs) throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Already gone: the kill below is a no-op.
        }
        process.waitFor(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        Processes.kill(process);
    }

    /** The jar (or classes directory) this code runs from; the child JVM loads the server from it. */
    static String benchJar() {
        try {
            return Path.of(BareNettyProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
