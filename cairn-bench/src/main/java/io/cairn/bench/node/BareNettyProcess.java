package io.cairn.bench.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
     * Starts it with the options {@code cairn start} gives a node ({@code cairn jvm-opts}): the
     * floor a node's start-up is measured against must start its JVM the way the launcher does.
     * When the node gets a class-data archive, so does this JVM: its own, next to the bench jar,
     * made by {@link #ensureArchive} (an archive fits only the classes of the run that made it).
     */
    public static BareNettyProcess startLikeLauncher(int ioThreads, Path cairn) throws IOException {
        return start(ioThreads, likeLauncher(cairn, "-XX:SharedArchiveFile="));
    }

    /**
     * Makes this JVM's class-data archive when the node's options use one and it is missing or
     * older than the bench jar: one untimed start with {@code -XX:ArchiveClassesAtExit}, stopped
     * cleanly so the JVM writes it, under a temporary name renamed at the end.
     */
    public static void ensureArchive(Path cairn, long stopTimeoutMs) throws IOException, InterruptedException {
        Path archive = archiveFor(cairn);
        Path jar = Path.of(benchJar());
        if (archive == null || Files.exists(archive)
                && !Files.getLastModifiedTime(jar).toInstant().isAfter(Files.getLastModifiedTime(archive).toInstant())) {
            return;
        }
        Path tmp = archive.resolveSibling(archive.getFileName() + ".tmp." + ProcessHandle.current().pid());
        try (BareNettyProcess p = start(1, likeLauncher(cairn, "-XX:ArchiveClassesAtExit=").stream()
                .map(o -> o.startsWith("-XX:ArchiveClassesAtExit=") ? "-XX:ArchiveClassesAtExit=" + tmp : o).toList())) {
            p.stopCleanly(stopTimeoutMs);
        }
        if (Files.exists(tmp) && Files.size(tmp) > 0) {
            Files.move(tmp, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
            Files.deleteIfExists(tmp);
        }
    }

    /** The launcher's options with its archive flag swapped for {@code flag} + this JVM's own archive. */
    private static List<String> likeLauncher(Path cairn, String flag) {
        Path archive = archiveFor(cairn);
        List<String> out = new ArrayList<>();
        for (String o : LauncherJvmOpts.forServer(cairn)) {
            if (!o.startsWith("-XX:SharedArchiveFile=")) {
                out.add(o);
            } else if (flag.startsWith("-XX:ArchiveClassesAtExit=") || Files.exists(archive)) {
                out.add(flag + archive);
            }
        }
        return out;
    }

    /**
     * This JVM's archive: the node's archive name with {@code cairn-server} replaced by
     * {@code bare-netty}, next to the bench jar (same JDK and options in the name); null when the
     * node gets no archive.
     */
    private static Path archiveFor(Path cairn) {
        for (String o : LauncherJvmOpts.forServer(cairn)) {
            if (o.startsWith("-XX:SharedArchiveFile=")) {
                String name = Path.of(o.substring("-XX:SharedArchiveFile=".length())).getFileName().toString();
                return Path.of(benchJar()).resolveSibling(name.replaceFirst("^cairn-server", "bare-netty"));
            }
        }
        return null;
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
