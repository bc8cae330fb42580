package io.cairn.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
    @TempDir
    Path dir;

    @Test
    void entriesRoundTripThroughTheJsonLinesFileAndHealedFaultsReplaceOpenOnes() throws IOException {
        Path file = dir.resolve("history.jsonl");
        Op op = new Op(1, "p1", OpType.PRODUCE, 10, 20, Outcome.OK, "http://n1", "t", 0, List.of("v"), List.of("k"),
                List.of(5L), List.of(false), null, null, null, null, null, 1, 0, null);
        try (History h = new History(file)) {
            h.record(op);
            long f = h.faultStarted("kill", List.of("n2"), "leader");
            h.faultHealed(f, "restarted");
            h.recordFinal(new FinalRead("n1", "t", 0, 0, 6, List.of(new ReadRecord(5, "v")), true, null));
        }
        assertThat(Files.readAllLines(file)).hasSize(4).allMatch(l -> l.startsWith("{\""));

        History.Loaded loaded = History.load(file);
        assertThat(loaded.ops()).containsExactly(op);
        assertThat(loaded.faults()).hasSize(1);
        assertThat(loaded.faults().get(0).endUs()).isGreaterThanOrEqualTo(loaded.faults().get(0).startUs());
        assertThat(loaded.faults().get(0).detail()).isEqualTo("leader; restarted");
        assertThat(loaded.finals().get(0).records()).containsExactly(new ReadRecord(5, "v"));
    }
}
