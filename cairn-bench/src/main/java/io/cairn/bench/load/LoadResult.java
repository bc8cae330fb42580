package io.cairn.bench.load;

import java.util.List;

/**
 * The outcome of one load run: one {@link KindResult} per request kind, plus the measured
 * window length and the intended rate (0 for closed-loop).
 */
public record LoadResult(List<KindResult> kinds, double measuredSeconds, long ratePerSecond, int connections) {
    public LoadResult {
        kinds = List.copyOf(kinds);
    }

    public KindResult kind(String name) {
        return kinds.stream().filter(k -> k.kind().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no kind " + name + " in " + kinds));
    }

    /** Successful records per second of one kind over the measured window. */
    public double recordsPerSecond(String name) {
        return kind(name).okRecords() / measuredSeconds;
    }

    /** Successful requests per second of one kind over the measured window. */
    public double requestsPerSecond(String name) {
        return kind(name).okRequests() / measuredSeconds;
    }
}
