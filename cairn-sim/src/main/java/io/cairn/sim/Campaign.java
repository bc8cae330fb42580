package io.cairn.sim;

import java.util.Map;
import java.util.TreeMap;

/**
 * A long simulation campaign on demand:
 * <pre>
 *   java -cp ... io.cairn.sim.Campaign [runs] [firstSeed]
 * </pre>
 * Runs seeds {@code firstSeed, firstSeed+1, ...} (cluster size derived from each seed), prints
 * every failing seed with its replay flag, and a tally of which invariant fired. Without
 * {@code firstSeed} it picks one from the wall clock and prints it: the only place a clock is read,
 * and only to choose which seeds to explore, never inside a run.
 */
public final class Campaign {
    private Campaign() {}

    private static final boolean PRINT_TRACES = Boolean.getBoolean("cairn.sim.printTraces");

    public static void main(String[] args) {
        long runs = args.length > 0 ? Long.parseLong(args[0]) : 10_000;
        long first = args.length > 1 ? Long.parseLong(args[1]) : System.currentTimeMillis();
        System.out.println("campaign: " + runs + " runs from seed " + first);
        Summary s = run(first, runs, true);
        System.out.println(s);
        System.exit(s.failures == 0 ? 0 : 1);
    }

    /** Totals of a batch of runs. */
    public static final class Summary {
        public long runs;
        public long failures;
        public long firstFailingSeed = Long.MIN_VALUE;
        public String firstFailure;
        public final Map<String, Long> byInvariant = new TreeMap<>();
        public final Map<Integer, Long> runsByVoters = new TreeMap<>();
        public long events;
        public long ticks;

        @Override
        public String toString() {
            return "runs=" + runs + " failures=" + failures + " runsByVoters=" + runsByVoters + " events=" + events
                    + " simulatedTicks=" + ticks
                    + (failures > 0 ? " byInvariant=" + byInvariant + " first=" + firstFailingSeed + " " + firstFailure : "");
        }
    }

    public static Summary run(long firstSeed, long runs, boolean print) {
        Summary s = new Summary();
        for (long seed = firstSeed; seed < firstSeed + runs; seed++) {
            int voters = SimRun.votersForSeed(seed);
            SimRun.Result r = new SimRun(seed, voters).run();
            s.runs++;
            s.events += r.eventsRun();
            s.ticks += r.simulatedTicks();
            s.runsByVoters.merge(voters, 1L, Long::sum);
            if (PRINT_TRACES) {
                // For comparing runs across JVMs: the same seed must give the same trace hash anywhere.
                System.out.println("seed=" + seed + " voters=" + voters + " trace=" + Long.toHexString(r.traceHash())
                        + " events=" + r.eventsRun());
            }
            if (!r.ok()) {
                s.failures++;
                s.byInvariant.merge(r.invariant(), 1L, Long::sum);
                if (s.firstFailure == null) {
                    s.firstFailingSeed = seed;
                    s.firstFailure = r.violation();
                }
                if (print) {
                    System.out.println("FAIL seed=" + seed + " voters=" + voters + " " + r.violation()
                            + "\n  replay: ./cairn mvn -pl cairn-sim -am test -Dtest=RaftSimTest -Dsurefire.failIfNoSpecifiedTests=false -Dcairn.sim.seed=" + seed);
                }
            }
        }
        return s;
    }
}
