package io.cairn.server.replica;

import io.cairn.core.raft.RaftNode;
import io.cairn.core.raft.ReadIndexResult;
import io.cairn.core.raft.ReadState;
import io.cairn.core.raft.Rejected;
import io.cairn.core.raft.Role;
import io.cairn.server.broker.BrokerException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Linearizable leader reads of a group's committed offset (the resume point of a consumer that
 * names no offset), by Raft ReadIndex (dissertation §6.4). A leader that was paused or cut off may
 * not know it was deposed; its own state then lags the new leader's commits. So a read is answered
 * only after the RaftNode confirmed with a quorum that this node still led when the read arrived
 * ({@link ReadState}), and after the state machine applied up to the commit index of that moment.
 *
 * <p>Callers enqueue from any thread ({@link #submit}); everything else runs on the replica's group
 * thread. Answers are handed to {@code answerOn} so a caller's continuation never runs on (and
 * never delays) the group thread.
 */
final class LeaderReads {
    /**
     * Reads queued or in flight per partition. Matches the core's default {@code readIndexQueueMax}:
     * more could not be confirmed anyway. Beyond it a read fails with Overloaded (429).
     */
    static final int READS_MAX = 4096;
    /** How long a read may wait for its confirmation and apply before it fails with 503. */
    static final long READ_TIMEOUT_MS = 10_000;

    /** One read: its group, its deadline, and once started the term it was asked under. */
    private static final class Read {
        final String group;
        final long deadlineNanos;
        final CompletableFuture<Long> future = new CompletableFuture<>();
        long term;
        /** The commit index a quorum confirmed; -1 until then. */
        long index = -1;

        Read(String group, long deadlineNanos) {
            this.group = group;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final Executor answerOn;
    private final ConcurrentLinkedQueue<Read> queued = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    // ---- group thread ----
    /** ReadIndex context → the reads that arrived before it was asked (one quorum round serves them all). */
    private final Map<Long, List<Read>> unconfirmed = new HashMap<>();
    private final ArrayDeque<Read> confirmed = new ArrayDeque<>();
    private long nextContext;

    LeaderReads(Executor answerOn) {
        this.answerOn = answerOn;
    }

    /** Any thread: queues a read; the caller then schedules a round. */
    CompletableFuture<Long> submit(String group) {
        if (count.incrementAndGet() > READS_MAX) {
            count.decrementAndGet();
            return CompletableFuture.failedFuture(new BrokerException.Overloaded(
                    READS_MAX + " group reads are waiting on this partition; retry shortly"));
        }
        Read r = new Read(group, System.nanoTime() + READ_TIMEOUT_MS * 1_000_000L);
        queued.add(r);
        return r.future;
    }

    /** Group thread: anything queued, waiting for a quorum, or waiting for the apply. */
    boolean hasWork() {
        return !queued.isEmpty() || !unconfirmed.isEmpty() || !confirmed.isEmpty();
    }

    /**
     * Group thread: asks the RaftNode to confirm every queued read with one ReadIndex request, so a
     * burst of resumes costs one heartbeat round, not one each; if refused, they fail at once.
     */
    boolean start(RaftNode raft, Function<Rejected, BrokerException> refusal) {
        if (queued.isEmpty()) {
            return false;
        }
        List<Read> batch = new ArrayList<>();
        for (Read r; (r = queued.poll()) != null; ) {
            r.term = raft.term();
            batch.add(r);
        }
        long context = ++nextContext;
        ReadIndexResult result = raft.readIndex(context);
        if (result instanceof Rejected rej) {
            BrokerException err = refusal.apply(rej);
            for (Read r : batch) {
                fail(r, err);
            }
        } else {
            unconfirmed.put(context, batch);
        }
        return true;
    }

    /** Group thread: the quorum confirmed these reads; they wait for the apply to reach their index. */
    void confirmed(Iterable<ReadState> states) {
        for (ReadState s : states) {
            List<Read> batch = unconfirmed.remove(s.context());
            if (batch != null) {
                for (Read r : batch) {
                    r.index = s.index();
                    confirmed.add(r);
                }
            }
        }
    }

    /**
     * Group thread, at the end of a round: answers the confirmed reads the state machine has
     * applied up to, from {@code offsets} (-1 for an unknown group); fails the unconfirmed ones if the RaftNode stepped down
     * or was replaced (it drops its pending reads then and never confirms them), and every read
     * past its deadline.
     */
    void settle(RaftNode raft, long appliedIndex, ToLongFunction<String> offsets, Supplier<BrokerException> notLeader) {
        for (Iterator<Read> it = confirmed.iterator(); it.hasNext(); ) {
            Read r = it.next();
            if (r.index <= appliedIndex) {
                it.remove();
                answer(r, offsets.applyAsLong(r.group));
            }
        }
        if (!unconfirmed.isEmpty() && (raft.role() != Role.LEADER || anyOtherTerm(raft.term()))) {
            BrokerException err = notLeader.get();
            for (List<Read> batch : unconfirmed.values()) {
                for (Read r : batch) {
                    fail(r, err);
                }
            }
            unconfirmed.clear();
        }
        expire(System.nanoTime());
    }

    private boolean anyOtherTerm(long term) {
        for (List<Read> batch : unconfirmed.values()) {
            if (batch.get(0).term != term) {
                return true;
            }
        }
        return false;
    }

    private void expire(long now) {
        // Built only when something expires: this runs every round, and filling in an exception's
        // stack trace on each one was a measurable share of a busy group thread's CPU.
        BrokerException timeout = null;
        for (Iterator<List<Read>> it = unconfirmed.values().iterator(); it.hasNext(); ) {
            List<Read> batch = it.next();
            // Reads queue in arrival order with equal timeouts, so the first one's deadline is the earliest.
            if (now - batch.get(0).deadlineNanos >= 0) {
                it.remove();
                if (timeout == null) {
                    timeout = readTimeout();
                }
                for (Read r : batch) {
                    fail(r, timeout);
                }
            }
        }
        for (Iterator<Read> it = confirmed.iterator(); it.hasNext(); ) {
            Read r = it.next();
            if (now - r.deadlineNanos >= 0) {
                it.remove();
                if (timeout == null) {
                    timeout = readTimeout();
                }
                fail(r, timeout);
            }
        }
    }

    private static BrokerException readTimeout() {
        return new BrokerException.Unavailable("read_timeout",
                "leadership of the partition could not be confirmed in time; retry", 1000);
    }

    /** Group thread: the replica closed or failed; every read fails with {@code err}. */
    void failAll(BrokerException err) {
        for (Read r; (r = queued.poll()) != null; ) {
            fail(r, err);
        }
        for (List<Read> batch : unconfirmed.values()) {
            for (Read r : batch) {
                fail(r, err);
            }
        }
        unconfirmed.clear();
        for (Read r; (r = confirmed.poll()) != null; ) {
            fail(r, err);
        }
    }

    private void answer(Read r, long offset) {
        count.decrementAndGet();
        deliver(() -> r.future.complete(offset), r);
    }

    private void fail(Read r, BrokerException err) {
        count.decrementAndGet();
        deliver(() -> r.future.completeExceptionally(err), r);
    }

    private void deliver(Runnable completion, Read r) {
        try {
            answerOn.execute(completion);
        } catch (RejectedExecutionException e) {
            // The executor is shutting down: completing here is better than never answering.
            completion.run();
        }
    }
}
