package io.cairn.server.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the README's quick-start block as written (bash and curl) against a real node process,
 * and checks each answer against the {@code # {...}} line under it ({@code ...} elides). The
 * only substitution is the address: the node listens on a free port instead of 1109, set
 * through CAIRN_PORT so the {@code ./cairn start} lines stay as documented.
 */
class ReadmeWalkthroughIT {
    @TempDir
    Path dir;

    record Step(String command, String expected) {}

    static List<Step> quickStart() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = lines.indexOf("## Quick start (curl walkthrough)");
        assertThat(start).as("README has the quick start").isNotNegative();
        while (!lines.get(start).equals("```sh")) {
            start++;
        }
        var steps = new ArrayList<Step>();
        var command = new StringBuilder();
        for (int i = start + 1; !lines.get(i).equals("```"); i++) {
            String l = lines.get(i);
            if (l.startsWith("# {")) {
                Step last = steps.remove(steps.size() - 1);
                steps.add(new Step(last.command(), l.substring(2)));
            } else if (!l.isBlank() && !l.startsWith("#")) {
                String code = l.replaceAll("\\s+#.*$", "");
                command.append(code.endsWith("\\") ? code.substring(0, code.length() - 1) : code);
                if (!code.endsWith("\\")) {
                    steps.add(new Step(command.toString().trim(), null));
                    command.setLength(0);
                }
            }
        }
        return steps;
    }

    @Test
    void theQuickStartWorksAsWritten() throws Exception {
        int port = NodeProcess.freePort();
        Map<String, String> env = Map.of("CAIRN_PORT", Integer.toString(port), "CAIRN_HOST", "127.0.0.1");
        var http = new Http("http://127.0.0.1:" + port);
        NodeProcess node = null;
        try {
            for (Step step : quickStart()) {
                if (step.command().equals("./cairn start")) {
                    if (node != null) {
                        node.kill(); // the README says a kill -9 is fine
                    }
                    node = NodeProcess.start(dir, env, "start");
                    awaitReady(node, http);
                    continue;
                }
                assertThat(step.command()).startsWith("curl ");
                boolean stream = step.command().startsWith("curl -sN");
                String cmd = step.command().replace("localhost:1109", "127.0.0.1:" + port);
                var p = new ProcessBuilder("bash", "-c", (stream ? "curl --max-time 2 " + cmd.substring(5) : cmd))
                    .directory(dir.toFile()).redirectErrorStream(true).start();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(cmd).isTrue();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (stream) {
                    assertThat(out).as(cmd).startsWith("id: 2\n").contains("data: {\"offset\":2");
                    continue;
                }
                assertThat(p.exitValue()).as(cmd + " -> " + out).isZero();
                assertThat(out).as(cmd).startsWith("{\"ok\":true");
                if (step.expected() != null) {
                    for (String part : step.expected().split("\\.\\.\\.")) {
                        assertThat(out).as(cmd).contains(part);
                    }
                }
            }
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    private static void awaitReady(NodeProcess node, Http http) {
        Await.until("the node answers /ready", Duration.ofSeconds(60), () -> {
            if (!node.process.isAlive()) {
                throw new AssertionError("cairn exited");
            }
            try {
                return http.send(http.request("/ready").GET().build()).status() == 200;
            } catch (AssertionError connectionRefused) {
                return false;
            }
        });
    }
}
