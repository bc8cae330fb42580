package io.cairn.chaos.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.chaos.checker.CheckResult;
import io.cairn.chaos.checker.Checker;
import io.cairn.chaos.history.FaultEvent;
import io.cairn.chaos.history.FinalRead;
import io.cairn.chaos.history.History;
import io.cairn.chaos.history.Op;
import io.cairn.chaos.history.OpType;
import io.cairn.chaos.history.Outcome;
import io.cairn.chaos.history.ReadRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {
    private final RunInfo info = new RunInfo(42, 3, 10, "kill,pause", 1, 30_000, "java -jar x");

    private static Op write(long id, long startMs, long endMs, Outcome o, String v, Long off) {
        return new Op(id, "p1", OpType.PRODUCE, startMs * 1000, endMs * 1000, o, "http://n1", "t", 0, List.of(v), List.of("k" + v),
                off == null ? null : List.of(off), off == null ? null : List.of(false), null, null, null, null, null, 1, 0, null);
    }

    private Report report(boolean loseOne) {
        List<Op> ops = new ArrayList<>();
        List<ReadRecord> log = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ops.add(write(i + 1, i * 300L, i * 300L + 20, Outcome.OK, "v" + i, (long) i));
            if (!(loseOne && i == 7)) {
                log.add(new ReadRecord(log.size(), "v" + i));
            }
        }
        ops.add(write(100, 2000, 4000, Outcome.UNKNOWN, "u", null));
        List<FaultEvent> faults = List.of(new FaultEvent(200, "kill", List.of("n1"), 1_000_000, 3_000_000, "SIGKILL <leader>"));
        List<FinalRead> finals = List.of(new FinalRead(FinalRead.VIA_LEADER, "t", 0, 0, log.size(), log, true, null));
        CheckResult c = Checker.check(ops, faults, finals, new Checker.Config(30_000, -1));
        return new Report(info, c, ops, faults, List.of("   1.0s kill [n1]"), 12_345);
    }

    @Test
    void greenRunSaysAllGreenWithSeedAndCounts() {
        String s = report(false).summary();
        assertThat(s).contains("ALL GREEN").contains("seed: 42").contains("acknowledged records               30")
                .contains("{kill=1}").contains("unknown outcomes resolved          0 committed, 1 not committed");
    }

    @Test
    void violatingRunListsViolationsAndTheSeedToReplay() {
        Report r = report(true);
        assertThat(r.summary()).contains("VIOLATIONS").contains("LOST_WRITE").contains("--seed 42").doesNotContain("ALL GREEN");
        assertThat(r.json()).contains("\"verdict\" : \"VIOLATIONS\"").contains("LOST_WRITE");
    }

    @Test
    void htmlIsSelfContainedWithTimelineAndShadedFaults() throws Exception {
        String html = report(false).html();
        assertThat(html).contains("<svg").contains("<polyline").contains("fill-opacity=\"0.15\"").contains("SIGKILL &lt;leader&gt;");
        assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("src=");
        History.JSON.readTree(report(false).json());
    }

    @Test
    void timelineBucketsWritesPerSecondWithPercentiles() {
        List<Op> ops = List.of(write(1, 0, 100, Outcome.OK, "a", 0L), write(2, 0, 300, Outcome.OK, "b", 1L),
                write(3, 1000, 1500, Outcome.FAIL, "c", null));
        List<Timeline.Bucket> tl = Timeline.of(ops);
        assertThat(tl).hasSize(2);
        assertThat(tl.get(0).ok()).isEqualTo(2);
        assertThat(tl.get(0).p50Ms()).isEqualTo(100.0);
        assertThat(tl.get(0).p99Ms()).isEqualTo(300.0);
        assertThat(tl.get(1).fail()).isEqualTo(1);
    }
}
