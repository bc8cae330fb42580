package io.cairn.server.replica;

import io.cairn.core.raft.Durability;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionHandle.Acks;
import io.cairn.server.broker.PartitionHandle.ProduceResult;
import io.cairn.server.broker.PartitionHandle.Timing;
import io.cairn.server.metrics.NodeMetrics;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Produce requests that were proposed (or answered by an entry still in flight) and now wait for
 * their write concern (group thread only). Bounded by {@link ReplicaOptions#pendingRequestsMax()}:
 * the batcher stops draining the queue while this is full.
 *
 * <p>A request is answered when the entry it waits for is
 * <ul>
 *   <li>{@code leader}: durable on this leader;</li>
 *   <li>{@code majority}: committed, and applied here so a consumer sees it at once;</li>
 *   <li>{@code all}: durable on every voter and applied;</li>
 * </ul>
 * or fails: {@code LOST} (another leader's entry took the index: definitely not written, 503),
 * {@code UNKNOWN} (leadership lost before the outcome was known, 504) or its deadline (504).
 */
final class AwaitingWrites {

    /** What the driver knows now; {@code durability} is the Raft node's answer for (index, term). */
    interface Progress {
        Durability durability(long index, long term);

        long durableIndex();

        long lastIndex();

        long appliedIndex();
    }

    private final int partition;
    private final NodeMetrics metrics;
    private final ArrayDeque<ProduceRequest> waiting = new ArrayDeque<>();
    /**
     * Results decided during one {@link #settle}, by the executor that delivers them; sent as one
     * task per executor at its end. Bounded by {@link #waiting}; empty between calls.
     */
    private final IdentityHashMap<Executor, List<Delivery>> deliveries = new IdentityHashMap<>();

    private record Delivery(ProduceRequest req, ProduceResult result, long replicationNanos) {}

    AwaitingWrites(int partition, NodeMetrics metrics) {
        this.partition = partition;
        this.metrics = metrics;
    }

    int size() {
        return waiting.size();
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    void addAll(List<ProduceRequest> requests) {
        waiting.addAll(requests);
    }

    /** Answers every request whose write concern is met, or can no longer be. */
    void settle(Progress progress) {
        if (waiting.isEmpty()) {
            return;
        }
        try {
            settleWaiting(progress);
        } finally {
            deliver();
        }
    }

    private void settleWaiting(Progress progress) {
        long durable = progress.durableIndex();
        long last = progress.lastIndex();
        long now = System.nanoTime();
        for (Iterator<ProduceRequest> it = waiting.iterator(); it.hasNext(); ) {
            ProduceRequest req = it.next();
            if (req.isDone()) {
                it.remove();
                continue;
            }
            if (req.waitIndex == 0) {
                complete(req, now); // Every record was a duplicate of an applied one.
                it.remove();
                continue;
            }
            if (req.waitIndex > durable && req.waitIndex <= last) {
                continue; // Not even durable here yet: no write concern can be met.
            }
            Durability d = progress.durability(req.waitIndex, req.waitTerm);
            switch (d) {
                case LOST -> {
                    req.fail(new BrokerException.Unavailable("not_written",
                            "leadership changed before the write was durable; it was not written", 200));
                    it.remove();
                }
                case UNKNOWN -> {
                    req.fail(new BrokerException.OutcomeUnknown(
                            "this node lost leadership before the write met its write concern; it may or may not be committed"));
                    it.remove();
                }
                default -> {
                    boolean applied = progress.appliedIndex() >= req.waitIndex;
                    if (d.satisfies(toRaftAcks(req.acks)) && (req.acks == Acks.LEADER || applied)) {
                        complete(req, now);
                        it.remove();
                    }
                }
            }
        }
    }

    /** Fails requests past their deadline: the write may or may not be committed. */
    void expire(long nowNanos) {
        // Built only when a request expires: filling in an exception's stack trace on every
        // housekeeping tick cost CPU for nothing on a healthy node.
        BrokerException.OutcomeUnknown timeout = null;
        for (Iterator<ProduceRequest> it = waiting.iterator(); it.hasNext(); ) {
            ProduceRequest req = it.next();
            if (req.isDone()) {
                it.remove();
            } else if (nowNanos - req.deadlineNanos >= 0) {
                if (timeout == null) {
                    timeout = new BrokerException.OutcomeUnknown(
                            "the write concern was not met in time; the write may or may not be committed");
                }
                req.fail(timeout);
                it.remove();
            }
        }
    }

    /** Fails requests waiting for an entry above {@code lastIndex} (the log lost those entries). */
    void failAbove(long lastIndex, BrokerException error) {
        for (Iterator<ProduceRequest> it = waiting.iterator(); it.hasNext(); ) {
            ProduceRequest req = it.next();
            if (req.waitIndex > lastIndex) {
                req.fail(error);
                it.remove();
            }
        }
    }

    void failAll(BrokerException error) {
        for (ProduceRequest req : waiting) {
            req.fail(error);
        }
        waiting.clear();
    }

    private void complete(ProduceRequest req, long nowNanos) {
        long queueUs = req.proposedNanos == 0 ? -1 : (req.proposedNanos - req.enqueuedNanos) / 1000;
        long serverUs = (nowNanos - req.enqueuedNanos) / 1000;
        long fsyncUs = req.proposedNanos == 0 ? -1 : (nowNanos - req.proposedNanos) / 1000;
        var result = new ProduceResult(partition, List.of(req.results), new Timing(queueUs, serverUs, fsyncUs, -1));
        long replicationNanos = req.proposedNanos == 0 ? -1 : nowNanos - req.proposedNanos;
        if (req.answerOn == null) {
            if (req.complete(result)) {
                recordReplication(replicationNanos);
            }
            return;
        }
        if (req.claimForResult()) {
            deliveries.computeIfAbsent(req.answerOn, e -> new ArrayList<>()).add(new Delivery(req, result, replicationNanos));
        }
    }

    /**
     * Hands the results decided in this settle to their event loops: one task per loop for the
     * whole group commit, instead of one hand-off per request, and the callers' continuations
     * (building and writing the answer) run there, off the group thread every request shares.
     */
    private void deliver() {
        if (deliveries.isEmpty()) {
            return;
        }
        for (Map.Entry<Executor, List<Delivery>> e : deliveries.entrySet()) {
            List<Delivery> batch = e.getValue();
            try {
                e.getKey().execute(() -> completeAll(batch));
            } catch (RejectedExecutionException shuttingDown) {
                completeAll(batch); // The loop is closing; answer here rather than never.
            }
        }
        deliveries.clear();
    }

    private void completeAll(List<Delivery> batch) {
        for (Delivery d : batch) {
            d.req().future.complete(d.result());
            recordReplication(d.replicationNanos());
        }
    }

    private void recordReplication(long nanos) {
        if (metrics != null && nanos >= 0) {
            metrics.recordReplicationNanos(nanos);
        }
    }

    private static io.cairn.core.raft.Acks toRaftAcks(Acks acks) {
        return switch (acks) {
            case LEADER -> io.cairn.core.raft.Acks.LEADER;
            case MAJORITY -> io.cairn.core.raft.Acks.MAJORITY;
            case ALL -> io.cairn.core.raft.Acks.ALL;
        };
    }
}
