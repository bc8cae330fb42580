package io.cairn.core;

/**
 * Assertions that stay on in production (Java's {@code assert} is off by default).
 *
 * <p>Use at state transitions and around every disk write and read: a broken invariant
 * means the process can no longer vouch for its data, so it must stop rather than carry on.
 */
public final class Invariants {
    private Invariants() {}

    /** Thrown when an invariant does not hold. Never caught to carry on. */
    public static final class InvariantViolation extends IllegalStateException {
        public InvariantViolation(String message) {
            super(message);
        }
    }

    /** Fails with a formatted message when {@code condition} is false. */
    public static void check(boolean condition, String message, Object... args) {
        if (!condition) {
            throw new InvariantViolation(args.length == 0 ? message : String.format(message, args));
        }
    }

    /** Fails unconditionally; returns an exception so call sites can {@code throw} it for flow analysis. */
    public static InvariantViolation fail(String message, Object... args) {
        throw new InvariantViolation(args.length == 0 ? message : String.format(message, args));
    }
}
