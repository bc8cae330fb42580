package io.cairn.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn cluster} as a real process: it starts node processes and stops them all. */
class ClusterCommandIT {
    @TempDir Path dir;
    private Process launcher;
    private final List<ProcessHandle> nodes = new ArrayList<>();

    @AfterEach
    void killAll() throws InterruptedException {
        if (launcher != null) {
            nodes.addAll(launcher.descendants().toList());
            launcher.destroyForcibly();
            launcher.waitFor(30, TimeUnit.SECONDS);
        }
        for (ProcessHandle h : nodes) h.destroyForcibly();
    }

    /** A base port whose 3 HTTP and 3 peer ports (base+100..) are free right now. */
    private static int freeBase() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base;
            try (ServerSocket s = new ServerSocket(0)) {
                base = s.getLocalPort();
            }
            if (base + 103 > 65535) continue;
            if (free(base, 3) && free(base + 100, 3)) return base;
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean free(int from, int count) {
        for (int p = from; p < from + count; p++) {
            try (ServerSocket s = new ServerSocket(p)) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private Process launch(int base) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        return new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                "io.cairn.server.cli.Main", "cluster", "--nodes", "3", "--base-port", Integer.toString(base),
                "--data-dir", dir.toString(), "--jvm-opts", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
                .redirectErrorStream(true).start();
    }

    @Test
    void startsThreeNodesPrintsTheirUrlsAndStopsThemAll() throws Exception {
        int base = freeBase();
        launcher = launch(base);
        BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        CompletableFuture<Void> up = CompletableFuture.runAsync(() -> {
            try {
                // Bounded by the launcher's own start timeout: it prints "is up" or exits.
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                    if (line.contains("is up")) return;
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        up.get(120, TimeUnit.SECONDS);
        assertThat(lines).anyMatch(l -> l.startsWith("n1 http://127.0.0.1:" + base));
        assertThat(lines).anyMatch(l -> l.startsWith("n3 http://127.0.0.1:" + (base + 2)));
        HttpClient http = HttpClient.newHttpClient();
        for (int k = 0; k < 3; k++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (base + k) + "/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        List<ProcessHandle> children = launcher.children().toList();
        nodes.addAll(children);
        assertThat(children).hasSize(3);

        launcher.destroy(); // SIGTERM, as Ctrl-C would: the launcher stops every node
        assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).isTrue();
        for (ProcessHandle c : children) {
            assertThat(c.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        }
    }

    @Test
    void exitsNonZeroWhenANodeCannotStart() throws Exception {
        int base = freeBase();
        try (ServerSocket taken = new ServerSocket(base + 1)) { // n2's HTTP port is in use
            launcher = launch(base);
            String all = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(launcher.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(launcher.exitValue()).as(all).isEqualTo(1);
            assertThat(all).contains("node n2 exited");
        }
        // Orphans would be reparented, so look for any process still using this test's data folder.
        String folder = dir.toString();
        List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                .filter(h -> h.info().arguments().map(a -> String.join(" ", a).contains(folder)).orElse(false))
                .filter(h -> h.pid() != ProcessHandle.current().pid()).toList();
        nodes.addAll(leftovers);
        assertThat(leftovers).as("no node left running").isEmpty();
    }
}
