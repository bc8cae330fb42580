package io.cairn.bench.load;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What one kind of request (e.g. {@code produce}) did in the measured window.
 *
 * <p>The histogram holds latencies of 2xx answers in microseconds (corrected for coordinated
 * omission in open-loop runs). Everything else that happened is counted, never hidden: non-2xx
 * answers by status, transport failures by cause, and requests still unanswered when the drain
 * timeout ended.
 */
public final class KindResult {
    /** Latencies up to one hour are tracked; longer ones are clamped and counted in {@link #clampedCount}. */
    public static final long LATENCY_US_MAX = 3_600_000_000L;

    private final String kind;
    private final Histogram latencyUs = new Histogram(LATENCY_US_MAX, 3);
    /** Sent → answered of the same 2xx answers, without the correction: what the server and network took. */
    private final Histogram serviceUs = new Histogram(LATENCY_US_MAX, 3);
    /**
     * How much later than it could have each request went out: after both its intended time and
     * the previous answer on its connection. This is the load generator's own lateness, which the
     * corrected latency would otherwise charge to the server; it stays near zero when the
     * generator keeps up.
     */
    private final Histogram loadgenDelayUs = new Histogram(LATENCY_US_MAX, 3);
    /** Per-slice view of the run; null until a connection records one. */
    private LoadTimeline timeline;
    private long okRequests;
    private long okRecords;
    private long clampedCount;
    private long unfinished;
    private long notSent;
    private long warmupSkipped;
    /** nanoTime of the last 2xx answer recorded; 0 when none. */
    private long lastOkNanos;
    private final Map<Integer, Long> statusCounts = new TreeMap<>();
    private final Map<String, Long> errorCounts = new TreeMap<>();

    public KindResult(String kind) {
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }

    public Histogram latencyUs() {
        return latencyUs;
    }

    /** Records one 2xx answer that arrived at {@code answeredNanos}. */
    public void recordOk(long latencyNanos, int records, long answeredNanos) {
        lastOkNanos = Math.max(lastOkNanos, answeredNanos);
        recordOk(latencyNanos, records);
    }

    /**
     * Records the uncorrected service time and the load generator's own delay of one answered
     * request (any status), and places it on the timeline.
     */
    public void recordTiming(long serviceNanos, long loadgenDelayNanos) {
        serviceUs.recordValue(Math.min(LATENCY_US_MAX, Math.max(0, serviceNanos / 1_000)));
        loadgenDelayUs.recordValue(Math.min(LATENCY_US_MAX, Math.max(0, loadgenDelayNanos / 1_000)));
    }

    public Histogram serviceUs() {
        return serviceUs;
    }

    public Histogram loadgenDelayUs() {
        return loadgenDelayUs;
    }

    /** The run's timeline, merged over connections; null when none was kept. */
    public LoadTimeline timeline() {
        return timeline;
    }

    void timeline(LoadTimeline t) {
        timeline = t;
    }

    /** Records one 2xx answer. */
    public void recordOk(long latencyNanos, int records) {
        long us = Math.max(0, latencyNanos / 1_000);
        if (us > LATENCY_US_MAX) {
            clampedCount++;
            us = LATENCY_US_MAX;
        }
        latencyUs.recordValue(us);
        okRequests++;
        okRecords += records;
    }

    public void recordStatus(int status) {
        statusCounts.merge(status, 1L, Long::sum);
    }

    public void recordError(String cause) {
        errorCounts.merge(cause, 1L, Long::sum);
    }

    public void recordUnfinished(long count) {
        unfinished += count;
    }

    /**
     * Open-loop requests intended inside the window that were never sent because the connection
     * was still waiting for earlier answers when the run ended. They are the backlog of an
     * overloaded server; leaving them out would make an overload look like a slow success.
     */
    public void recordNotSent(long count) {
        notSent += count;
    }

    /**
     * Open-loop warm-up requests still unsent when the window opened, skipped so that a backlog
     * built during warm-up is not charged to the window. Not a failure (warm-up is never
     * measured), but reported: a large count says the server could not keep up even before.
     */
    public void recordWarmupSkipped(long count) {
        warmupSkipped += count;
    }

    public long warmupSkipped() {
        return warmupSkipped;
    }

    public long lastOkNanos() {
        return lastOkNanos;
    }

    public long notSent() {
        return notSent;
    }

    /** Adds another result of the same kind (from another connection) into this one. */
    public void add(KindResult other) {
        latencyUs.add(other.latencyUs);
        serviceUs.add(other.serviceUs);
        loadgenDelayUs.add(other.loadgenDelayUs);
        if (other.timeline != null) {
            if (timeline == null) {
                timeline = other.timeline.copy();
            } else {
                timeline.add(other.timeline);
            }
        }
        okRequests += other.okRequests;
        okRecords += other.okRecords;
        clampedCount += other.clampedCount;
        unfinished += other.unfinished;
        notSent += other.notSent;
        warmupSkipped += other.warmupSkipped;
        lastOkNanos = Math.max(lastOkNanos, other.lastOkNanos);
        other.statusCounts.forEach((k, v) -> statusCounts.merge(k, v, Long::sum));
        other.errorCounts.forEach((k, v) -> errorCounts.merge(k, v, Long::sum));
    }

    public KindResult copy() {
        KindResult c = new KindResult(kind);
        c.add(this);
        return c;
    }

    public long okRequests() {
        return okRequests;
    }

    public long okRecords() {
        return okRecords;
    }

    public long clampedCount() {
        return clampedCount;
    }

    public long unfinished() {
        return unfinished;
    }

    public Map<Integer, Long> statusCounts() {
        return statusCounts;
    }

    public Map<String, Long> errorCounts() {
        return errorCounts;
    }

    /** Everything that was not a 2xx answer: non-2xx, transport errors, unfinished requests. */
    public long failedTotal() {
        long n = unfinished + notSent;
        for (long v : statusCounts.values()) {
            n += v;
        }
        for (long v : errorCounts.values()) {
            n += v;
        }
        return n;
    }

    /** Short human summary of the failures, e.g. {@code 503×12, closed×1, unfinished×2}; "0" if none. */
    public String failureSummary() {
        StringBuilder sb = new StringBuilder();
        statusCounts.forEach((k, v) -> append(sb, k + "×" + v));
        errorCounts.forEach((k, v) -> append(sb, k + "×" + v));
        if (unfinished > 0) {
            append(sb, "unfinished×" + unfinished);
        }
        if (notSent > 0) {
            append(sb, "not sent (behind schedule)×" + notSent);
        }
        if (clampedCount > 0) {
            append(sb, ">1h×" + clampedCount);
        }
        return sb.isEmpty() ? "0" : sb.toString();
    }

    private static void append(StringBuilder sb, String s) {
        if (!sb.isEmpty()) {
            sb.append(", ");
        }
        sb.append(s);
    }
}
