package io.cairn.bench.scenario;

import io.cairn.bench.load.Requests;
import io.cairn.bench.node.Http;
import io.cairn.bench.node.NodeProcess;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Live traffic while something else happens (a follower catching up): one writer producing
 * single records at {@code acks=majority} to the partition leader at a fixed rate, recording
 * each request's latency from its intended send time (so a stall counts for every request it
 * delayed). Shows whether the background work starves the leader's produce path. Runs on its own
 * thread until {@link #stop()}; a 307 is followed to the new leader, other failures are counted
 * by status.
 */
final class LiveProbe implements AutoCloseable {
    /** Latencies above this are recorded as this (µs); the histogram's bound. */
    static final long LATENCY_US_MAX = 60_000_000L;
    /** How long {@link #stop()} waits for the request in flight (the HTTP client's own timeout is 30 s). */
    static final long STOP_WAIT_MS = 31_000;

    private final Histogram latencyUs = new Histogram(LATENCY_US_MAX, 3);
    private final Map<String, Long> errors = new TreeMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String url;

    LiveProbe(NodeProcess leader, String topic, int partition, int ratePerSecond, int valueBytes) {
        this.url = leader.baseUrl() + "/broker/topics/" + topic + "/produce?partition=" + partition + "&acks=majority";
        byte[] value = Requests.value(valueBytes, 7);
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        this.thread = new Thread(() -> run(value, intervalNanos), "live-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(byte[] value, long intervalNanos) {
        long intended = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            if (now < intended) {
                try {
                    TimeUnit.NANOSECONDS.sleep(intended - now);
                } catch (InterruptedException e) {
                    return;
                }
            }
            String key;
            try {
                Http.Response r = Http.post(url, "application/octet-stream", value);
                if (r.status() == 307 && r.location().isPresent()) {
                    url = r.location().get();
                }
                key = r.ok() ? null : Integer.toString(r.status());
            } catch (Exception e) {
                key = e.getClass().getSimpleName();
            }
            long done = System.nanoTime();
            synchronized (this) {
                if (key == null) {
                    latencyUs.recordValue(Math.min(LATENCY_US_MAX, (done - intended) / 1_000));
                } else {
                    errors.merge(key, 1L, Long::sum);
                }
            }
            intended += intervalNanos;
        }
    }

    /** Stops the writer and waits for its last request. */
    void stop() throws InterruptedException {
        running = false;
        thread.join(STOP_WAIT_MS);
    }

    synchronized Histogram latencyUs() {
        return latencyUs.copy();
    }

    synchronized String errorSummary() {
        if (errors.isEmpty()) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        errors.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append(": ").append(v));
        return sb.toString();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
