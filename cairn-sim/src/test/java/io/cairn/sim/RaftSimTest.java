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
        long first = only != null ? only : longPropertyOr("cairn.sim.from", FIRST_SEED);
        List<String> failures = new ArrayList<>();
        int[] byVoters = new int[8];
        java.util.TreeMap<String, Long> coverage = new java.util.TreeMap<>();
        long electionTicksMax = 0;
        long commitTicksMax = 0;
        for (long seed = first; seed < first + runs; seed++) {
            int voters = SimRun.votersForSeed(seed);
            byVoters[voters]++;
            SimRun.Result r = new SimRun(seed, voters).run();
            System.out.println("seed=" + seed + " voters=" + voters + (r.ok() ? " ok " : " FAIL " + r.violation() + " ")
                    + r.stats() + " trace=" + Long.toHexString(r.traceHash()));
            r.coverage().forEach((k, v) -> coverage.merge(k, v, Long::sum));
            electionTicksMax = Math.max(electionTicksMax, r.electionTicksAfterHeal());
            commitTicksMax = Math.max(commitTicksMax, r.commitTicksMax());
            if (!r.ok()) {
                failures.add("seed=" + seed + " voters=" + voters + ": " + r.violation()
                        + "\n    replay: ./cairn mvn -pl cairn-sim -am test -Dtest=RaftSimTest -Dsurefire.failIfNoSpecifiedTests=false -Dcairn.sim.seed=" + seed);
            }
        }
        System.out.println("runs=" + runs + " by cluster size: 1=" + byVoters[1] + " 3=" + byVoters[3]
                + " 5=" + byVoters[5] + " 7=" + byVoters[7] + " failures=" + failures.size());
        System.out.println("coverage " + coverage);
        System.out.println("liveness: slowest write-ready leader after heal " + electionTicksMax
                + " ticks, slowest post-heal commit " + commitTicksMax + " ticks");
        assertThat(failures).as("failing seeds").isEmpty();
        if (runs >= 200) {
            // A simulator that silently stops exercising a feature proves nothing about it.
            assertThat(coverage).as("features exercised").containsKeys("crashLostWrites", "snapshotInstalled",
                    "compaction", "leaderRemoved", "corruptReplaced", "damageCut", "repairCompleted", "transferSTARTED", "ackLEADER", "ackMAJORITY",
                    "ackALL", "configChangePROMOTE_VOTER", "readConfirmed", "crashBeforeFsync",
                    "partition", "oneWayCut", "isolateLeader", "msgDropped", "msgDuplicated", "msgReordered");
        }
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
