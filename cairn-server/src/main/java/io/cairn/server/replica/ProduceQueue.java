package io.cairn.server.replica;

import io.cairn.server.broker.BrokerException;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-partition queue between produce callers (any thread) and the group thread, bounded by
 * {@link ReplicaOptions#produceQueueRequestsMax()} requests and
 * {@link ReplicaOptions#produceQueueBytesMax()} bytes. A full queue refuses with
 * {@link BrokerException.Overloaded} (429) instead of growing.
 */
final class ProduceQueue {
    private final ConcurrentLinkedQueue<ProduceRequest> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final int requestsMax;
    private final long bytesMax;

    ProduceQueue(int requestsMax, long bytesMax) {
        this.requestsMax = requestsMax;
        this.bytesMax = bytesMax;
    }

    /** False when a bound would be exceeded; one request larger than the byte bound still fits an empty queue. */
    boolean offer(ProduceRequest req) {
        int n = requests.incrementAndGet();
        long b = bytes.addAndGet(req.valueBytes);
        if (n > requestsMax || (n > 1 && b > bytesMax)) {
            requests.decrementAndGet();
            bytes.addAndGet(-req.valueBytes);
            return false;
        }
        queue.add(req);
        return true;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int requests() {
        return requests.get();
    }

    long bytes() {
        return bytes.get();
    }

    ProduceRequest peek() {
        return queue.peek();
    }

    ProduceRequest poll() {
        ProduceRequest req = queue.poll();
        if (req != null) {
            requests.decrementAndGet();
            bytes.addAndGet(-req.valueBytes);
        }
        return req;
    }

    /** Answers every queued request with {@code error}. */
    void failAll(BrokerException error) {
        for (ProduceRequest req; (req = poll()) != null; ) {
            req.fail(error);
        }
    }

    /** Answers queued requests past their deadline; the drain later skips them, so they are never written. */
    void expire(long nowNanos) {
        for (ProduceRequest req : queue) {
            if (nowNanos - req.deadlineNanos >= 0) {
                req.fail(new BrokerException.OutcomeUnknown("the request timed out before it was written"));
            }
        }
    }
}
