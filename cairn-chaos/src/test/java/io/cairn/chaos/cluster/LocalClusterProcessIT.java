package io.cairn.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Process control with real child processes. The child is a shell that prints its arguments and
 * then waits, so this checks what the harness does to processes (command line, signals, restarts,
 * log capture) independently of the node; {@code ChaosSingleNodeIT} covers real nodes.
 */
class LocalClusterProcessIT {
    @TempDir
    Path run;

    private static final ServerLauncher ECHO_AND_WAIT =
            new ServerLauncher(List.of("/bin/sh", "-c", "echo args: \"$@\"; exec sleep 120", "sh"), "sh");

    private static char procState(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    private static void await(BooleanSupplier cond, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
        }
    }

    @Test
    void peersPointAtOutgoingProxiesAndHttpStaysDirect() throws IOException {
        try (LocalCluster c = new LocalCluster(run, 3, ECHO_AND_WAIT, List.of("--segment-bytes", "4096"), 1)) {
            String peers = c.peersFor("n2");
            NodeSpec n1 = c.spec("n1");
            NodeSpec n2 = c.spec("n2");
            assertThat(peers).contains("n1=127.0.0.1:" + c.mesh().port("n2", "n1") + "@" + n1.httpUrl());
            assertThat(peers).contains("n2=127.0.0.1:" + n2.peerPort() + "@" + n2.httpUrl());
            assertThat(c.command("n2")).containsSubsequence("start", "--node-id", "n2", "--port", String.valueOf(n2.httpPort()))
                    .containsSubsequence("--peers", peers).endsWith("--segment-bytes", "4096");
            assertThat(c.mesh().proxy("n2", "n1").target().getPort()).isEqualTo(n1.peerPort());
        }
    }

    @Test
    void killPauseResumeRestartAndLogsAcrossStarts() throws Exception {
        long pid;
        try (LocalCluster c = new LocalCluster(run, 1, ECHO_AND_WAIT, List.of(), 1)) {
            c.start("n1");
            long first = c.pid("n1");
            pid = first;
            Path log = c.spec("n1").logFile();
            await(() -> readQuietly(log).contains("args: start --node-id n1"), "child output in the log");

            c.pause("n1");
            await(() -> stateIs(first, 'T'), "stopped state");
            assertThat(c.state("n1")).isEqualTo(LocalCluster.State.PAUSED);
            c.resume("n1");
            await(() -> !stateIs(first, 'T'), "running again");

            c.restart("n1");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            long second = c.pid("n1");
            assertThat(second).isNotEqualTo(pid);
            await(() -> readQuietly(log).contains("=== chaos: start #2"), "second start header");

            c.kill("n1");
            assertThat(c.state("n1")).isEqualTo(LocalCluster.State.DOWN);
            assertThat(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            c.start("n1");
            pid = c.pid("n1");
        }
        long last = pid;
        assertThat(ProcessHandle.of(last).map(ProcessHandle::isAlive).orElse(false)).as("close() kills").isFalse();
    }

    @Test
    void aNodeThatExitsOnItsOwnIsReaped() throws Exception {
        ServerLauncher exits = new ServerLauncher(List.of("/bin/sh", "-c", "exit 3", "sh"), "exit");
        try (LocalCluster c = new LocalCluster(run, 1, exits, List.of(), 1)) {
            c.start("n1");
            await(() -> !c.reapExited().isEmpty() || c.state("n1") == LocalCluster.State.DOWN, "exit noticed");
            assertThat(c.state("n1")).isEqualTo(LocalCluster.State.DOWN);
        }
    }

    private static boolean stateIs(long pid, char s) {
        try {
            return procState(pid) == s;
        } catch (IOException e) {
            return false;
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
