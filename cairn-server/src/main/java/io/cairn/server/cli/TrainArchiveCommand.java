package io.cairn.server.cli;

import io.cairn.server.config.NodeConfig;
import io.cairn.server.node.CairnNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code cairn train-archive} (hidden): the training run the launcher uses to build the
 * class-data archive next to the jar. It runs a node in this JVM on a throw-away data directory
 * through the life a restarted node goes through (start, create a topic, produce, consume,
 * stop, start again and recover the log, consume), so that when the JVM exits with
 * {@code -XX:ArchiveClassesAtExit} the archive holds the classes a real start loads. A later
 * {@code cairn start} maps them from the archive instead of reading, parsing and verifying
 * them from the jar again, which is most of a node's start-up CPU.
 *
 * <p>Nothing here is part of a user's data: the directory is a new temporary one, deleted at the
 * end, and the node listens on an ephemeral loopback port.
 */
@Command(name = "train-archive", hidden = true,
    description = "Run a node through start, produce, consume and restart on a temporary directory (builds the class-data archive).")
final class TrainArchiveCommand implements Callable<Integer> {
    /** Bound on each step's wait for the node to become ready: the training must end even on a broken build. */
    static final long READY_TIMEOUT_MS = 60_000;
    /** Bound on one HTTP exchange with the training node. */
    static final int HTTP_TIMEOUT_MS = 30_000;
    /** Records produced one by one; enough to run the produce path, few enough to take milliseconds. */
    static final int SINGLE_RECORDS = 20;

    @Option(names = "--keep-dir", hidden = true, description = "Leave the temporary data directory (for debugging).")
    boolean keepDir;

    @Option(names = "--parent-dir", hidden = true, paramLabel = "DIR",
        description = "Where the temporary data directory is made (default: the system's temp directory).")
    Path parentDir;

    @Override
    public Integer call() throws Exception {
        // The training node's own lines (open API warning, topic created, partition opened) are noise
        // in a build; the level is put back afterwards for callers that run this in their own JVM.
        var root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.classic.Level before = root.getLevel();
        root.setLevel(ch.qos.logback.classic.Level.ERROR);
        Path dir = parentDir == null ? Files.createTempDirectory("cairn-train-archive-")
            : Files.createTempDirectory(parentDir, "cairn-train-archive-");
        try {
            int port = runOnce(dir, true);
            runOnce(dir, false);
            return port > 0 ? 0 : 1;
        } finally {
            root.setLevel(before);
            if (!keepDir) {
                deleteTree(dir);
            }
        }
    }

    /** One node life on {@code dir}: the first creates the topic and writes, the second recovers and reads. */
    private static int runOnce(Path dir, boolean first) throws Exception {
        NodeConfig.Builder b = NodeConfig.builder();
        b.host = "127.0.0.1";
        b.port = 0;
        b.dataDir = dir.resolve("data");
        try (CairnNode node = CairnNode.start(b.build())) {
            node.recovered().get(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            int port = node.httpPort();
            expectOk(port, "GET", "/health", null);
            expectOk(port, "GET", "/ready", null);
            if (first) {
                expectOk(port, "POST", "/broker/topics", "{\"name\":\"train\",\"partitions\":1}");
                for (int i = 0; i < SINGLE_RECORDS; i++) {
                    expectOk(port, "POST", "/broker/topics/train/produce?key=k" + i, "value-" + i);
                }
                expectOk(port, "POST", "/broker/topics/train/produce-ndjson?partition=0", "{\"id\":1}\n{\"id\":2}\n\"plain\"\n");
            }
            expectOk(port, "GET", "/broker/consume/train/g/0?offset=0&limit=10", null);
            expectOk(port, "POST", "/broker/commit", "{\"topic\":\"train\",\"group\":\"g\",\"partition\":0,\"offset\":1}");
            expectOk(port, "GET", "/broker/topics/train", null);
            expectOk(port, "GET", "/metrics", null);
            return port;
        }
    }

    /** One HTTP/1.1 exchange on a fresh connection; anything but a 2xx fails the training. */
    private static void expectOk(int port, String method, String path, String body) throws IOException {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), HTTP_TIMEOUT_MS);
            s.setSoTimeout(HTTP_TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + (body == null ? "" : "Content-Length: " + content.length + "\r\n")
                + (path.contains("ndjson") ? "Content-Type: application/x-ndjson\r\n" : "") + "\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            String answer = readAll(s.getInputStream());
            String status = answer.length() >= 12 ? answer.substring(9, 12) : answer;
            if (!status.startsWith("2")) {
                throw new IOException("training request " + method + " " + path + " answered: " + firstLine(answer));
            }
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl).strip();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
