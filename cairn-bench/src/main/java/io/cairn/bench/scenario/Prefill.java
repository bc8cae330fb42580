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
 * concurrent writers), for scenarios that need a big log: restart and catch-up. Any non-2xx
 * answer stops the prefill with the node's message; nothing is retried silently.
 */
final class Prefill {
    /** Records per request: big enough to amortise HTTP, well under the 8 MiB body limit. */
    static final int BATCH_RECORDS = 10_000;
    /** Concurrent writers; enough to keep group commit busy without a flood of 307s or 429s. */
    static final int WRITERS = 4;

    record Result(long records, double seconds) {
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
        String url = leader.baseUrl() + "/broker/topics/" + topic + "/produce-ndjson?partition=" + partition
                + (acks == null ? "" : "&acks=" + acks) + "&timeout_ms=30000";
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                fs.add(pool.submit(() -> {
                    while (next.getAndIncrement() < requests) {
                        Http.Response r = Http.post(url, "application/x-ndjson", body);
                        if (!r.ok()) {
                            throw new IllegalStateException("prefill produce failed: " + r.status() + " " + r.body());
                        }
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
        return new Result(requests * BATCH_RECORDS, (System.nanoTime() - t0) / 1e9);
    }
}
