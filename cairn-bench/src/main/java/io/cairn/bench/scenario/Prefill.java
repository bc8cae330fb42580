package io.cairn.bench.scenario;

import io.cairn.bench.load.Requests;
import io.cairn.bench.node.Http;
import io.cairn.bench.node.NodeProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a given number of records as fast as the node takes them (NDJSON batches from a few
 * concurrent writers), for scenarios that need a big log: restart and catch-up. Answers that
 * say the batch was <em>not</em> written are retried: 503 (no leader yet; the replica refuses
 * before enqueueing) and 307 (followed to the new leader). A 504 (outcome unknown: the leader
 * lost leadership or the write concern timed out, which a busy shared machine does cause) is
 * retried too, but counted in {@link Result#unknownOutcomes()}: the batch may then be in the log
 * twice, so callers that need the exact record count read the high watermark instead. Any other
 * non-2xx answer stops the prefill with the node's message.
 */
final class Prefill {
    /** Records per request: big enough to amortise HTTP, well under the 8 MiB body limit. */
    static final int BATCH_RECORDS = 10_000;
    /** Concurrent writers; enough to keep group commit busy without a flood of 307s or 429s. */
    static final int WRITERS = 4;
    /**
     * How long one request may keep being refused with 503 (a cluster electing a leader after a
     * busy moment) or redirected with 307 (leadership moved) before the prefill gives up.
     */
    static final long REFUSED_RETRY_MS = 60_000;
    /** Pause after a 503 before the retry. */
    static final long RETRY_PAUSE_MS = 50;

    /**
     * @param records         records acknowledged (each exactly once)
     * @param unknownOutcomes batches answered 504 and retried; each may also be in the log
     */
    record Result(long records, double seconds, long unknownOutcomes) {
        double perSecond() {
            return records / seconds;
        }
    }

    private Prefill() {}

    static Result run(NodeProcess leader, String topic, int partition, String acks, long records, int valueBytes)
            throws Exception {
        byte[] body = Requests.ndjson(BATCH_RECORDS, valueBytes);
        long requests = (records + BATCH_RECORDS - 1) / BATCH_RECORDS;
        AtomicLong next = new AtomicLong();
        AtomicLong unknown = new AtomicLong();
        String query = "/broker/topics/" + topic + "/produce-ndjson?partition=" + partition
                + (acks == null ? "" : "&acks=" + acks) + "&timeout_ms=30000";
        String url = leader.baseUrl() + query;
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                fs.add(pool.submit(() -> {
                    String target = url;
                    while (next.getAndIncrement() < requests) {
                        target = produceOnce(target, url, body, unknown);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(requests * BATCH_RECORDS, (System.nanoTime() - t0) / 1e9, unknown.get());
    }

    /**
     * Sends one batch until it is acknowledged; returns the URL that took it (the leader's, after
     * a 307), for the next batch. {@code home} is where a retry after 503 starts over.
     */
    private static String produceOnce(String target, String home, byte[] body, AtomicLong unknown) throws Exception {
        long deadline = System.nanoTime() + REFUSED_RETRY_MS * 1_000_000L;
        while (true) {
            Http.Response r = Http.post(target, "application/x-ndjson", body);
            if (r.ok()) {
                return target;
            }
            boolean retry = r.status() == 503 || r.status() == 504 || (r.status() == 307 && r.location().isPresent());
            if (!retry || System.nanoTime() > deadline) {
                throw new IllegalStateException("prefill produce to " + target + " failed: " + r.status() + " " + r.body());
            }
            if (r.status() == 307) {
                target = r.location().get();
            } else {
                if (r.status() == 504) {
                    unknown.incrementAndGet();
                }
                target = home;
                Thread.sleep(RETRY_PAUSE_MS);
            }
        }
    }
}
