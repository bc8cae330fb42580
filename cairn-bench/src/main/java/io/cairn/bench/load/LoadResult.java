package io.cairn.bench.load;

import java.util.List;

/**
 * The outcome of one load run: one {@link KindResult} per request kind, plus the measured
 * window (its start as {@link System#nanoTime()} and its length) and the intended rate (0 for
 * closed-loop).
 *
 * <p>Rates divide the successful work of requests intended in the window by the time it took to
 * finish it: the window, or longer when answers kept arriving after it. An open-loop run whose
 * server falls behind finishes its backlog during the drain; dividing by the window alone would
 * report the intended rate as if it had been achieved.
 */
public record LoadResult(List<KindResult> kinds, long windowStartNanos, double measuredSeconds, long ratePerSecond,
                         int connections) {
    public LoadResult {
        kinds = List.copyOf(kinds);
    }

    public KindResult kind(String name) {
        return kinds.stream().filter(k -> k.kind().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no kind " + name + " in " + kinds));
    }

    /** Successful records per second of one kind. */
    public double recordsPerSecond(String name) {
        return kind(name).okRecords() / secondsToFinish(name);
    }

    /** Successful requests per second of one kind. */
    public double requestsPerSecond(String name) {
        return kind(name).okRequests() / secondsToFinish(name);
    }

    /** The window length, or the time from the window start to the last success if that is longer. */
    public double secondsToFinish(String name) {
        KindResult k = kind(name);
        if (k.okRequests() == 0) {
            return measuredSeconds;
        }
        return Math.max(measuredSeconds, (k.lastOkNanos() - windowStartNanos) / 1e9);
    }
}
