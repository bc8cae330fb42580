package io.cairn.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.chaos.history.History;
import io.cairn.chaos.nemesis.FaultKind;
import io.cairn.chaos.nemesis.Nemesis;
import io.cairn.chaos.workload.WorkloadConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounded CI campaign: three nodes behind the proxy mesh, every fault kind, about two minutes,
 * then the full checker must say ALL GREEN. Skipped (with the reason) while the server on this
 * branch cannot run a cluster. Override the seed with {@code -Dcairn.chaos.seed=N}.
 */
class ChaosCampaignIT {
    @TempDir
    Path dir;

    @Test
    void threeNodesAllFaultsTwoMinutesAllGreen() throws Exception {
        ServerUnderTest.probe(dir.resolve("probe"), 3);
        long seed = Long.getLong("cairn.chaos.seed", 42L);
        System.out.println("ChaosCampaignIT seed " + seed);
        ChaosRun.Options o = new ChaosRun.Options(3, Duration.ofSeconds(120), FaultKind.ALL, seed, dir.resolve("run"),
                ServerUnderTest.launcher(), ChaosMain.SMALL_SEGMENT_ARGS, 3, Duration.ofSeconds(30), Duration.ofSeconds(60),
                Nemesis.Timing.defaults(), WorkloadConfig.defaults(ChaosRun.TOPIC, 3));

        ChaosRun.Result r = new ChaosRun(o, System.out).run();

        assertThat(r.check().violations()).as(r.summary()).isEmpty();
        assertThat(r.check().acknowledged()).isPositive();
        assertThat(History.load(r.historyFile()).faults()).isNotEmpty();
    }
}
