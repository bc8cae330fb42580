package io.cairn.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.chaos.history.History;
import io.cairn.chaos.nemesis.FaultKind;
import io.cairn.chaos.nemesis.Nemesis;
import io.cairn.chaos.workload.WorkloadConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short real campaign against one node: SIGKILL, SIGSTOP and sealed-segment corruption (with
 * restore, since a single node has no peer to repair from), then the full checker. About 60 s.
 */
class ChaosSingleNodeIT {
    @TempDir
    Path dir;

    @Test
    void singleNodeSurvivesKillPauseAndCorruptionAllGreen() throws Exception {
        ServerUnderTest.probe(dir.resolve("probe"), 1);
        long seed = Long.getLong("cairn.chaos.seed", 7L);
        System.out.println("ChaosSingleNodeIT seed " + seed);
        ChaosRun.Options o = new ChaosRun.Options(1, Duration.ofSeconds(50), EnumSet.of(FaultKind.KILL, FaultKind.PAUSE, FaultKind.CORRUPT),
                seed, dir.resolve("run"), ServerUnderTest.launcher(), ChaosMain.SMALL_SEGMENT_ARGS, 2, Duration.ofSeconds(30),
                Duration.ofSeconds(60), new Nemesis.Timing(1_000, 4_000, 1_000, 3_000), WorkloadConfig.defaults(ChaosRun.TOPIC, 2));

        ChaosRun.Result r = new ChaosRun(o, System.out).run();

        assertThat(r.check().violations()).as(r.summary()).isEmpty();
        assertThat(r.check().acknowledged()).as("the workload got writes through").isPositive();
        assertThat(r.check().readsChecked()).as("readers verified records").isPositive();
        History.Loaded h = History.load(r.historyFile());
        assertThat(h.faults()).as("the nemesis injected faults").isNotEmpty();
        assertThat(h.finals()).hasSize(2 * 2);
        assertThat(Files.readString(r.htmlReport())).contains("<svg");
        assertThat(r.summary()).contains("ALL GREEN").contains("seed: " + seed);
    }
}
