package io.cairn.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The same seed must produce the same run, event for event: otherwise no failing seed replays. */
class DeterminismSimTest {
    @Test
    void sameSeedTwiceGivesIdenticalTrace() {
        for (int voters : new int[] {1, 3, 5, 7}) {
            for (long seed = 1000; seed < 1005; seed++) {
                SimRun.Result a = new SimRun(seed, voters).run();
                SimRun.Result b = new SimRun(seed, voters).run();
                System.out.println("seed=" + seed + " voters=" + voters + " trace=" + Long.toHexString(a.traceHash())
                        + " events=" + a.eventsRun());
                assertThat(b.traceHash()).as("trace hash of seed %s voters %s", seed, voters).isEqualTo(a.traceHash());
                assertThat(b.eventsRun()).isEqualTo(a.eventsRun());
                assertThat(b.stats()).isEqualTo(a.stats());
            }
        }
    }

    @Test
    void differentSeedsExploreDifferentSchedules() {
        SimRun.Result a = new SimRun(1, 3).run();
        SimRun.Result b = new SimRun(2, 3).run();
        assertThat(a.traceHash()).isNotEqualTo(b.traceHash());
    }
}
