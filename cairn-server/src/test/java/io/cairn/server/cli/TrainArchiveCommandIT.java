package io.cairn.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher builds its class-data archive from {@code cairn train-archive}: a real node in this
 * JVM, on loopback, through start, produce, consume, restart and recovery. If any of its requests
 * fails the archive would miss the classes a restart needs, so the command must fail loudly.
 */
class TrainArchiveCommandIT {
    @TempDir
    Path parent;

    @Test
    void runsANodeThroughARestartAndLeavesNothingBehind() throws Exception {
        var out = new StringWriter();
        var err = new StringWriter();
        int code = Main.run(new String[] {"train-archive", "--parent-dir", parent.toString()}, Map.of(),
            new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as("exit status; stderr: %s", err).isZero();
        try (Stream<Path> left = Files.list(parent)) {
            assertThat(left).as("the temporary data directory is deleted").isEmpty();
        }
    }

    @Test
    void isNotListedInTheHelp() {
        var out = new StringWriter();
        int code = Main.run(new String[] {"--help"}, Map.of(), new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        assertThat(code).isZero();
        assertThat(out.toString()).contains("start").doesNotContain("train-archive");
    }
}
