package io.cairn.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI simulation: {@code cairn.sim.runs} seeded runs (default {@value #DEFAULT_RUNS}) of 1-, 3-,
 * 5- and 7-node clusters running the real core under faults, each checked after every step and
 * for liveness after the heal. With {@code -Dcairn.sim.seed=N} it replays exactly that seed.
 */
class RaftSimTest {
    static final long DEFAULT_RUNS = 2_000;
    /** CI explores a fixed range so a red build always replays; campaigns explore elsewhere. */
    static final long FIRST_SEED = 1;

    @Test
    void seededRunsKeepEveryInvariant() {
        Long only = longProperty("cairn.sim.seed");
        long runs = only != null ? 1 : longPropertyOr("cairn.sim.runs", DEFAULT_RUNS);
        long first = only != null ? only : FIRST_SEED;
        List<String> failures = new ArrayList<>();
        int[] byVoters = new int[8];
        for (long seed = first; seed < first + runs; seed++) {
            int voters = SimRun.votersForSeed(seed);
            byVoters[voters]++;
            SimRun.Result r = new SimRun(seed, voters).run();
            System.out.println("seed=" + seed + " voters=" + voters + (r.ok() ? " ok " : " FAIL " + r.violation() + " ")
                    + r.stats() + " trace=" + Long.toHexString(r.traceHash()));
            if (!r.ok()) {
                failures.add("seed=" + seed + " voters=" + voters + ": " + r.violation()
                        + "\n    replay: ./cairn mvn -pl cairn-sim -am test -Dtest=RaftSimTest -Dcairn.sim.seed=" + seed);
            }
        }
        System.out.println("runs=" + runs + " by cluster size: 1=" + byVoters[1] + " 3=" + byVoters[3]
                + " 5=" + byVoters[5] + " 7=" + byVoters[7] + " failures=" + failures.size());
        assertThat(failures).as("failing seeds").isEmpty();
    }

    static Long longProperty(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank() || v.startsWith("${")) {
            return null;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " must be a number, got '" + v + "'", e);
        }
    }

    static long longPropertyOr(String name, long fallback) {
        Long v = longProperty(name);
        return v == null ? fallback : v;
    }
}
