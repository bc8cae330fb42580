package io.cairn.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real single Cairn node process for the client's ITs: {@code java -jar <cairn.server.jar>} when
 * that property (or {@code CAIRN_SERVER_JAR}) is set, else the server's main class from the test
 * classpath. The only reason a test skips is a server build that says it cannot serve yet.
 */
final class RealNode implements AutoCloseable {
    private static final String[] NOT_BUILT = {"not built yet", "no partition replica implementation"};

    final int port;
    final Path log;
    private final Process process;

    private RealNode(int port, Path log, Process process) {
        this.port = port;
        this.log = log;
        this.process = process;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static RealNode start(Path dir) throws Exception {
        int port = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC"));
        String jar = System.getProperty("cairn.server.jar", System.getenv("CAIRN_SERVER_JAR"));
        if (jar != null && !jar.isBlank()) {
            cmd.addAll(List.of("-jar", jar));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.cairn.server.cli.Main"));
        }
        cmd.addAll(List.of("start", "--port", String.valueOf(port), "--host", "127.0.0.1", "--data-dir", dir.resolve("data").toString()));
        Path log = dir.resolve("node.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RealNode node = new RealNode(port, log, p);
        try {
            node.awaitReady(Duration.ofSeconds(60));
        } catch (Throwable t) {
            node.close();
            throw t;
        }
        return node;
    }

    private void awaitReady(Duration timeout) throws Exception {
        CairnClient c = new CairnClient(CairnClientConfig.builder().node(url()).connectTimeout(Duration.ofMillis(300)).build());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String out = Files.readString(log, StandardCharsets.UTF_8);
                for (String marker : NOT_BUILT) {
                    if (out.contains(marker)) {
                        Assumptions.abort("the server on this branch cannot serve yet: " + marker);
                    }
                }
                throw new AssertionError("node exited with " + process.exitValue() + ":\n" + out);
            }
            if (c.ready()) {
                return;
            }
            process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("node not ready within " + timeout + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
    }

    void signal(String sig) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).start();
        if (!k.waitFor(5, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new AssertionError("kill -" + sig + " failed");
        }
    }

    @Override
    public void close() throws Exception {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
