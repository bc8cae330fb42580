package io.cairn.bench.load;

import java.io.IOException;
import java.io.Writer;
import java.util.Locale;

/**
 * What happened in each short slice of a load run, so a tail can be placed in time: was it one
 * stall (service time jumps, then the backlog drains) or a backlog that grew because the server
 * ran at its limit (service time stays small while the corrected latency climbs)?
 *
 * <p>Per slice of {@link #BUCKET_MS} from the start of warm-up it keeps: requests intended and
 * answered, the largest corrected latency (by intended time), the largest service time (sent →
 * answered, by send time) and the largest <em>load generator delay</em> (by send time). That
 * delay is the time a request went out later than it could have: later than both its intended
 * time and the previous answer on its connection. It is the load generator's own lateness
 * (timer firing late, event loop busy or descheduled), which the coordinated-omission correction
 * would otherwise charge to the server.
 *
 * <p>Single-threaded like {@link LoadConnection}; merged across connections after the run.
 */
public final class LoadTimeline {
    /** Width of one slice. 100 ms resolves a stall of the size the tail shows, and keeps the file short. */
    public static final long BUCKET_MS = 100;
    /** Bounds memory for very long runs (one hour of slices); later events land in the last slice. */
    public static final int BUCKETS_MAX = 36_000;

    private final long originNanos;
    /** Wall-clock time of {@link #originNanos}, to line slices up with node logs. */
    private final long originEpochMs;
    private final long bucketNanos;
    private final long[] intended;
    private final long[] answered;
    private final long[] latencyMaxUs;
    private final long[] serviceMaxUs;
    private final long[] clientDelayMaxUs;

    /**
     * @param originNanos {@link System#nanoTime()} of the start of warm-up
     * @param spanNanos how long the run can last (warm-up, window and drain)
     */
    public LoadTimeline(long originNanos, long spanNanos) {
        this.originNanos = originNanos;
        this.originEpochMs = System.currentTimeMillis() - (System.nanoTime() - originNanos) / 1_000_000;
        this.bucketNanos = BUCKET_MS * 1_000_000;
        int n = (int) Math.min(BUCKETS_MAX, Math.max(1, spanNanos / bucketNanos + 1));
        intended = new long[n];
        answered = new long[n];
        latencyMaxUs = new long[n];
        serviceMaxUs = new long[n];
        clientDelayMaxUs = new long[n];
    }

    private int bucket(long nanos) {
        long b = (nanos - originNanos) / bucketNanos;
        return (int) Math.max(0, Math.min(intended.length - 1, b));
    }

    /** One answered request: its intended, actual send and answer times, and the generator's own delay. */
    void record(long intendedNanos, long sentNanos, long answeredNanos, long clientDelayNanos) {
        int i = bucket(intendedNanos);
        intended[i]++;
        latencyMaxUs[i] = Math.max(latencyMaxUs[i], (answeredNanos - intendedNanos) / 1_000);
        int s = bucket(sentNanos);
        serviceMaxUs[s] = Math.max(serviceMaxUs[s], (answeredNanos - sentNanos) / 1_000);
        clientDelayMaxUs[s] = Math.max(clientDelayMaxUs[s], clientDelayNanos / 1_000);
        answered[bucket(answeredNanos)]++;
    }

    /** Adds another connection's timeline of the same run (same origin and length) into this one. */
    void add(LoadTimeline o) {
        if (o.originNanos != originNanos || o.intended.length != intended.length) {
            throw new IllegalArgumentException("timelines of different runs cannot be merged");
        }
        for (int i = 0; i < intended.length; i++) {
            intended[i] += o.intended[i];
            answered[i] += o.answered[i];
            latencyMaxUs[i] = Math.max(latencyMaxUs[i], o.latencyMaxUs[i]);
            serviceMaxUs[i] = Math.max(serviceMaxUs[i], o.serviceMaxUs[i]);
            clientDelayMaxUs[i] = Math.max(clientDelayMaxUs[i], o.clientDelayMaxUs[i]);
        }
    }

    LoadTimeline copy() {
        LoadTimeline c = new LoadTimeline(originNanos, (intended.length - 1) * bucketNanos);
        c.add(this);
        return c;
    }

    /**
     * Index of the slice with the largest corrected latency among those starting in
     * [{@code fromNanos}, {@code toNanos}), -1 if none there had an answer.
     */
    public int worstLatencyBucket(long fromNanos, long toNanos) {
        int worst = -1;
        for (int i = 0; i < intended.length; i++) {
            long start = originNanos + i * bucketNanos;
            if (start >= fromNanos && start < toNanos && intended[i] > 0
                    && (worst < 0 || latencyMaxUs[i] > latencyMaxUs[worst])) {
                worst = i;
            }
        }
        return worst;
    }

    /** Wall-clock start of a slice (UTC), for matching it with a node's log. */
    public java.time.Instant wallClock(int bucket) {
        return java.time.Instant.ofEpochMilli(originEpochMs + bucket * BUCKET_MS);
    }

    public int buckets() {
        return intended.length;
    }

    public long latencyMaxUs(int bucket) {
        return latencyMaxUs[bucket];
    }

    public long serviceMaxUs(int bucket) {
        return serviceMaxUs[bucket];
    }

    public long clientDelayMaxUs(int bucket) {
        return clientDelayMaxUs[bucket];
    }

    public long answered(int bucket) {
        return answered[bucket];
    }

    public long intended(int bucket) {
        return intended[bucket];
    }

    /** Start of a slice in ms relative to {@code windowStartNanos} (negative during warm-up). */
    public long startMs(int bucket, long windowStartNanos) {
        return (originNanos + bucket * bucketNanos - windowStartNanos) / 1_000_000;
    }

    /**
     * Writes the timeline as CSV, one line per slice: start relative to the window start (ms) and
     * in UTC, requests intended and answered in it, and the three maxima in ms.
     */
    public void writeCsv(Writer out, long windowStartNanos) throws IOException {
        out.write("t_ms,utc,intended,answered,latency_max_ms,service_max_ms,loadgen_delay_max_ms\n");
        int last = intended.length - 1;
        while (last > 0 && intended[last] == 0 && answered[last] == 0) {
            last--;
        }
        for (int i = 0; i <= last; i++) {
            out.write(String.format(Locale.ROOT, "%d,%s,%d,%d,%.3f,%.3f,%.3f%n", startMs(i, windowStartNanos),
                    wallClock(i), intended[i], answered[i], latencyMaxUs[i] / 1e3, serviceMaxUs[i] / 1e3, clientDelayMaxUs[i] / 1e3));
        }
    }
}
