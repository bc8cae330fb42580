package io.cairn.server.it;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition observable only over HTTP (retention ran, a connection closed) with a
 * deadline. It re-checks every few milliseconds rather than spinning, because each check is a
 * request to the node under test on a machine other engineers share.
 */
final class Await {
    private static final long RECHECK_NANOS = 5_000_000;

    private Await() {}

    static void until(String what, Duration deadline, BooleanSupplier condition) {
        until(what, deadline, condition, () -> "");
    }

    /** As above; {@code lastSeen} describes the last state observed, for the failure message. */
    static void until(String what, Duration deadline, BooleanSupplier condition, java.util.function.Supplier<String> lastSeen) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + deadline + " waiting until " + what + "; last seen: "
                    + lastSeen.get());
            }
            LockSupport.parkNanos(RECHECK_NANOS);
        }
    }
}
