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

    static void check(boolean condition, String invariant, String format, Object... args) {
        if (!condition) {
            throw new SimViolation(invariant, String.format(format, args));
        }
    }
}
