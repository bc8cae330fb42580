package io.cairn.sim;

/**
 * A broken invariant found by the simulator. {@link #invariant} names which one, so campaigns
 * can tally what fired; the message says where and carries enough to start debugging, and the
 * run's seed (printed by the runner) replays it.
 */
public final class SimViolation extends RuntimeException {
    private final String invariant;

    public SimViolation(String invariant, String message) {
        super(invariant + ": " + message);
        this.invariant = invariant;
    }

    public String invariant() {
        return invariant;
    }

    /**
     * Invariants switched off with {@code -Dcairn.sim.disable=a,b}: only for experiments such as
     * "does a planted bug also show up end to end if the direct check is off?". Never in CI.
     */
    private static final java.util.Set<String> DISABLED = java.util.Set.of(
            System.getProperty("cairn.sim.disable", "").isBlank() ? new String[0]
                    : System.getProperty("cairn.sim.disable").split(","));

    static void check(boolean condition, String invariant, String format, Object... args) {
        if (!condition && !DISABLED.contains(invariant)) {
            throw new SimViolation(invariant, String.format(format, args));
        }
    }
}
