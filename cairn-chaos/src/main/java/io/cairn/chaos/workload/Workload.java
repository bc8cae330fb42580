package io.cairn.chaos.workload;

import io.cairn.chaos.history.History;
import io.cairn.chaos.history.Op;
import io.cairn.chaos.history.OpType;
import io.cairn.chaos.history.Outcome;
import io.cairn.chaos.history.ReadRecord;
import io.cairn.client.BatchRecord;
import io.cairn.client.BatchResult;
import io.cairn.client.CairnClient;
import io.cairn.client.CairnErrorException;
import io.cairn.client.CairnException;
import io.cairn.client.CairnOutcomeUnknownException;
import io.cairn.client.CairnUnavailableException;
import io.cairn.client.CommitResult;
import io.cairn.client.ConsumeOptions;
import io.cairn.client.ConsumeResult;
import io.cairn.client.Message;
import io.cairn.client.ProduceOptions;
import io.cairn.client.ProduceResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the workload threads until {@link #stop()}. Each thread is one history "process": it has at
 * most one operation in flight, which is what the per-producer order check relies on.
 */
public final class Workload {
    /** Records a reader asks for per page. */
    static final int READ_PAGE_RECORDS = 500;
    /** Records a group consumer takes per poll. */
    static final int GROUP_PAGE_RECORDS = 50;

    private final WorkloadConfig config;
    private final CairnClient client;
    /** Client whose first attempt gives up after a few ms: its writes often commit unanswered. */
    private final CairnClient impatient;
    private final History history;
    private final long seed;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param impatient client for the impatient producers (see {@link WorkloadConfig#impatientProducers()});
     *     its request timeout should be shorter than a produce usually takes
     */
    public Workload(WorkloadConfig config, CairnClient client, CairnClient impatient, History history, long seed) {
        this.config = config;
        this.client = client;
        this.impatient = impatient;
        this.history = history;
        this.seed = seed;
    }

    public void start() {
        for (int i = 1; i <= config.producers(); i++) {
            String name = "p" + i;
            Random r = new Random(seed * 1_000_003L + i);
            threads.add(Thread.ofPlatform().name("chaos-" + name).start(() -> producerLoop(name, r, client)));
        }
        for (int i = 1; i <= config.impatientProducers(); i++) {
            String name = "i" + i;
            Random r = new Random(seed * 3_000_017L + i);
            threads.add(Thread.ofPlatform().name("chaos-" + name).start(() -> producerLoop(name, r, impatient)));
        }
        for (int i = 1; i <= config.batchProducers(); i++) {
            String name = "b" + i;
            Random r = new Random(seed * 2_000_003L + i);
            threads.add(Thread.ofPlatform().name("chaos-" + name).start(() -> batchLoop(name, r)));
        }
        for (int i = 1; i <= config.readers(); i++) {
            String name = "r" + i;
            threads.add(Thread.ofPlatform().name("chaos-" + name).start(() -> readerLoop(name)));
        }
        for (int i = 1; i <= config.groupConsumers(); i++) {
            String name = "g" + i;
            threads.add(Thread.ofPlatform().name("chaos-" + name).start(() -> groupLoop(name, "chaos-group-" + name)));
        }
    }

    /** Asks every thread to finish its current operation and waits up to {@code timeoutMs} for them. */
    public boolean stop(long timeoutMs) throws InterruptedException {
        running.set(false);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        boolean all = true;
        for (Thread t : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0) {
                t.join(left);
            }
            if (t.isAlive()) {
                all = false;
                t.interrupt();
            }
        }
        return all;
    }

    private void pause() {
        try {
            Thread.sleep(config.opPause().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    // ---- producers ----

    /**
     * A write to resend with its original key because its outcome is still unknown. An unknown
     * stays unknown until some resend is acknowledged: a later definite failure (node down) says
     * nothing about the first attempt, so resends go on until one is acknowledged or the budget
     * ends. Resends wait {@link #RESEND_DELAY_MS} so the first attempt has settled by then, which is
     * what exercises the server's dedupe of committed keys rather than of in-flight ones.
     */
    private record Pending(String value, int partition, int retriesLeft, long notBeforeNs) {}

    /** Wait before resending a write whose outcome is unknown. */
    static final long RESEND_DELAY_MS = 1000;

    /**
     * First attempts go through {@code first}; resends of unknown outcomes always go through the
     * patient client, so an impatient producer's ambiguity gets resolved rather than repeated.
     */
    private void producerLoop(String name, Random random, CairnClient first) {
        long seq = 0;
        Deque<Pending> pending = new ArrayDeque<>();
        while (running.get()) {
            Pending p = pending.peek();
            if (p != null && p.notBeforeNs() <= System.nanoTime()) {
                pending.poll();
            } else {
                p = new Pending(name + "-" + (++seq), random.nextInt(config.partitions()), config.unknownRetriesMax(), 0);
            }
            boolean resend = p.notBeforeNs() != 0;
            Outcome o = produceOnce(resend ? client : first, name, OpType.PRODUCE, p.value(), p.partition());
            if (o != Outcome.OK && (o == Outcome.UNKNOWN || resend) && p.retriesLeft() > 0) {
                pending.add(new Pending(p.value(), p.partition(), p.retriesLeft() - 1,
                        System.nanoTime() + RESEND_DELAY_MS * 1_000_000L));
            }
            pause();
        }
    }

    /** The idempotency key of a value: fixed per value, so every resend carries the same key. */
    public static String keyOf(String value) {
        return "idem-" + value;
    }

    /** One produce, recorded; returns its outcome. Used by producers and by the recovery probe. */
    public Outcome produceOnce(String process, OpType type, String value, int partition) {
        return produceOnce(client, process, type, value, partition);
    }

    private Outcome produceOnce(CairnClient via, String process, OpType type, String value, int partition) {
        long id = history.nextId();
        long invoke = history.nowUs();
        ProduceOptions opts = ProduceOptions.defaults().withPartition(partition).withIdempotencyKey(keyOf(value))
                .withTimeoutMs(config.produceTimeoutMs());
        try {
            ProduceResult r = via.produce(config.topic(), value, opts);
            history.record(new Op(id, process, type, invoke, history.nowUs(), Outcome.OK, r.nodeUrl(), config.topic(), r.partition(),
                    List.of(value), List.of(keyOf(value)), List.of(r.offset()), List.of(r.duplicate()), null, null, null, null, null,
                    r.attempts(), r.ambiguousAttempts(), null));
            return Outcome.OK;
        } catch (CairnException e) {
            Outcome o = classify(e);
            history.record(new Op(id, process, type, invoke, history.nowUs(), o, null, config.topic(), partition,
                    List.of(value), List.of(keyOf(value)), null, null, null, null, null, null, null, null, null, brief(e)));
            return o;
        }
    }

    /**
     * Unavailable and 4xx mean the cluster definitely did not take the write. Anything else (an
     * unknown outcome, or an answer the client could not read) may have been applied.
     */
    static Outcome classify(CairnException e) {
        if (e instanceof CairnUnavailableException || e instanceof CairnErrorException) {
            return Outcome.FAIL;
        }
        return Outcome.UNKNOWN;
    }

    private static String brief(Exception e) {
        String m = e.getClass().getSimpleName() + ": " + e.getMessage();
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }

    private void batchLoop(String name, Random random) {
        long seq = 0;
        while (running.get()) {
            int n = 1 + random.nextInt(config.batchRecordsMax());
            int partition = random.nextInt(config.partitions());
            List<String> values = new ArrayList<>();
            List<BatchRecord> recs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String v = name + "-" + (++seq);
                values.add(v);
                recs.add(BatchRecord.of(v, null, keyOf(v)));
            }
            List<String> keys = values.stream().map(Workload::keyOf).toList();
            long id = history.nextId();
            long invoke = history.nowUs();
            try {
                BatchResult r = client.produceBatch(config.topic(), recs, partition, null, config.produceTimeoutMs());
                history.record(new Op(id, name, OpType.PRODUCE_BATCH, invoke, history.nowUs(), Outcome.OK, r.nodeUrl(), config.topic(),
                        r.partition(), values, keys, r.results().stream().map(BatchResult.Entry::offset).toList(),
                        r.results().stream().map(BatchResult.Entry::duplicate).toList(), null, null, null, null, null,
                        r.attempts(), r.ambiguousAttempts(), null));
            } catch (CairnException e) {
                history.record(new Op(id, name, OpType.PRODUCE_BATCH, invoke, history.nowUs(), classify(e), null, config.topic(),
                        partition, values, keys, null, null, null, null, null, null, null, null, null, brief(e)));
            }
            pause();
        }
    }

    // ---- readers ----

    private void readerLoop(String name) {
        long[] next = new long[config.partitions()];
        int p = 0;
        while (running.get()) {
            long id = history.nextId();
            long invoke = history.nowUs();
            long from = next[p];
            try {
                ConsumeResult r = client.consume(config.topic(), "chaos-reader", p,
                        ConsumeOptions.from(from).withLimit(READ_PAGE_RECORDS).withWaitMs(200));
                history.record(new Op(id, name, OpType.CONSUME, invoke, history.nowUs(), Outcome.OK, r.nodeUrl(), config.topic(), p,
                        null, null, null, null, "chaos-reader", from, toRecords(r.messages()), null, null, null, null, null));
                next[p] = r.nextOffset();
            } catch (CairnException e) {
                history.record(new Op(id, name, OpType.CONSUME, invoke, history.nowUs(), Outcome.FAIL, null, config.topic(), p,
                        null, null, null, null, "chaos-reader", from, null, null, null, null, null, brief(e)));
            }
            p = (p + 1) % config.partitions();
            pause();
        }
    }

    static List<ReadRecord> toRecords(List<Message> messages) {
        List<ReadRecord> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            out.add(new ReadRecord(m.offset(), m.valueAsString()));
        }
        return out;
    }

    private void groupLoop(String name, String group) {
        int p = 0;
        while (running.get()) {
            long id = history.nextId();
            long invoke = history.nowUs();
            ConsumeResult r;
            try {
                r = client.consume(config.topic(), group, p, ConsumeOptions.defaults().withLimit(GROUP_PAGE_RECORDS));
                history.record(new Op(id, name, OpType.GROUP_CONSUME, invoke, history.nowUs(), Outcome.OK, r.nodeUrl(), config.topic(), p,
                        null, null, null, null, group, null, toRecords(r.messages()), r.committedOffset(), null, null, null, null));
            } catch (CairnException e) {
                history.record(new Op(id, name, OpType.GROUP_CONSUME, invoke, history.nowUs(), Outcome.FAIL, null, config.topic(), p,
                        null, null, null, null, group, null, null, null, null, null, null, brief(e)));
                r = null;
            }
            if (r != null && !r.messages().isEmpty()) {
                long last = r.messages().get(r.messages().size() - 1).offset();
                long cid = history.nextId();
                long cinvoke = history.nowUs();
                try {
                    CommitResult c = client.commit(config.topic(), group, p, last);
                    history.record(new Op(cid, name, OpType.COMMIT, cinvoke, history.nowUs(), Outcome.OK, c.nodeUrl(), config.topic(), p,
                            null, null, null, null, group, null, null, c.committedOffset(), last, null, null, null));
                } catch (CairnException e) {
                    history.record(new Op(cid, name, OpType.COMMIT, cinvoke, history.nowUs(), classify(e), null, config.topic(), p,
                            null, null, null, null, group, null, null, null, last, null, null, brief(e)));
                }
            }
            p = (p + 1) % config.partitions();
            pause();
        }
    }
}
