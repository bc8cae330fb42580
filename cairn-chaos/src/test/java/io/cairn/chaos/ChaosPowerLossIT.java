package io.cairn.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.chaos.cluster.LossyFs;
import io.cairn.chaos.history.FaultEvent;
import io.cairn.chaos.history.History;
import io.cairn.chaos.nemesis.FaultKind;
import io.cairn.chaos.nemesis.Nemesis;
import io.cairn.chaos.workload.WorkloadConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short real campaign with power loss: one node whose data directory is a cairn-lossyfs mount,
 * power cuts that drop every write it had not fsynced, and the full checker. A node that
 * acknowledged before its fsync completed loses acknowledged records here (SIGKILL alone cannot
 * show that: the page cache survives a process kill). About 45 s. Skipped, with the reason
 * printed, only where FUSE cannot be mounted.
 */
class ChaosPowerLossIT {
    @TempDir
    Path dir;

    @Test
    void singleNodeSurvivesPowerCutsAllGreen() throws Exception {
        campaign(1, Long.getLong("cairn.chaos.seed", 11L));
    }

    /**
     * Three nodes, power cut on one, a majority, or all but an isolated leader. Seed 1 lost over
     * 5,000 acknowledged records before topic ids and new directories were made durable (a cut
     * left an empty topic-id file and the node deleted the topic as a stale one).
     */
    @Test
    void threeNodesSurvivePowerCutsAllGreen() throws Exception {
        campaign(3, Long.getLong("cairn.chaos.seed", 1L));
    }

    private void campaign(int nodes, long seed) throws Exception {
        try {
            LossyFs.prepare(dir.resolve("fuse-check"), LossyFs.Metadata.JOURNAL);
        } catch (LossyFs.Unavailable e) {
            System.out.println("ChaosPowerLossIT skipped: " + e.getMessage());
            Assumptions.abort("FUSE unavailable: " + e.getMessage());
        }
        ServerUnderTest.probe(dir.resolve("probe"), nodes);
        System.out.println("ChaosPowerLossIT " + nodes + " node(s), seed " + seed);
        ChaosRun.Options o = new ChaosRun.Options(nodes, Duration.ofSeconds(30), EnumSet.of(FaultKind.POWERLOSS),
                seed, dir.resolve("run"), ServerUnderTest.launcher(), ChaosMain.SMALL_SEGMENT_ARGS, 2, Duration.ofSeconds(30),
                Duration.ofSeconds(60), new Nemesis.Timing(1_000, 2_000, 1_000, 2_000), WorkloadConfig.defaults(ChaosRun.TOPIC, 2));

        ChaosRun.Result r = new ChaosRun(o, System.out).run();

        assertThat(r.check().violations()).as(r.summary()).isEmpty();
        assertThat(r.check().acknowledged()).as("the workload got writes through").isPositive();
        History.Loaded h = History.load(r.historyFile());
        assertThat(h.faults()).extracting(FaultEvent::kind).as("the nemesis cut the power at least once")
                .anyMatch(k -> k.startsWith("powerloss"));
        assertThat(h.faults().stream().filter(f -> f.kind().startsWith("powerloss")).map(FaultEvent::detail))
                .as("each cut reports what it dropped").allMatch(d -> d.contains("power cut"));
        assertThat(r.summary()).contains("ALL GREEN").contains("seed: " + seed);
    }
}
