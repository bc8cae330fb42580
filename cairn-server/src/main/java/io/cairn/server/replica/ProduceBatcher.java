package io.cairn.server.replica;

import io.cairn.core.partition.IdempotencyWindow;
import io.cairn.core.partition.PartitionCommand.BatchRecord;
import io.cairn.core.partition.PartitionStateMachine;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;
import io.cairn.server.broker.PartitionHandle.RecordResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Group commit and dedupe for one replica's produce path (group thread only): turns the queued
 * requests into one batch of new records, and answers every record whose idempotency key is
 * already owned with the owner's offset.
 *
 * <p>A key is owned by, in the order checked: an earlier record of this batch; a record of an
 * entry proposed but not yet applied ({@link #inflight}); the state machine's window. The
 * leader accepts writes only after applying its term's no-op, so every earlier entry is in the
 * window and these three together see every record the log holds.
 */
final class ProduceBatcher {

    /** Where an in-flight key's record will land, and the entry that carries it. */
    record InflightKey(long offset, long index, long term) {}

    /**
     * One drained batch. {@code included} are all requests taken from the queue (each with its
     * results set); {@code joining} are those that wait for this batch's entry (they added a
     * record, or duplicate one added here).
     */
    record Batch(long baseOffset, List<BatchRecord> records, Map<String, Long> keys,
                 List<ProduceRequest> included, List<ProduceRequest> joining) {}

    /** Keys of proposed-but-unapplied entries; bounded by the pending requests that put them here. */
    private final HashMap<String, InflightKey> inflight = new HashMap<>();

    int inflightKeys() {
        return inflight.size();
    }

    /**
     * Takes whole requests from {@code queue} until {@code batchBytesMax} (at least one request),
     * assigning offsets from {@code baseOffset} to new records and stamping them {@code nowMs}.
     */
    Batch drain(ProduceQueue queue, long batchBytesMax, long baseOffset, long nowMs, long nowNanos,
                PartitionStateMachine sm) {
        List<BatchRecord> records = new ArrayList<>();
        LinkedHashMap<String, Long> keys = new LinkedHashMap<>();
        List<ProduceRequest> included = new ArrayList<>();
        List<ProduceRequest> joining = new ArrayList<>();
        long bytes = 0;
        for (ProduceRequest req; (req = queue.peek()) != null; ) {
            if (!included.isEmpty() && bytes + req.valueBytes > batchBytesMax) {
                break;
            }
            queue.poll();
            if (req.isDone()) {
                continue; // Timed out while queued: never proposed, so never written.
            }
            if (nowNanos - req.deadlineNanos >= 0) {
                req.fail(new io.cairn.server.broker.BrokerException.OutcomeUnknown(
                        "the request timed out before it was written"));
                continue;
            }
            RecordResult[] results = new RecordResult[req.records.size()];
            boolean joins = false;
            long waitIndex = 0;
            long waitTerm = 0;
            for (int i = 0; i < results.length; i++) {
                ProduceRecord rec = req.records.get(i);
                String key = rec.idempotencyKey();
                if (key != null) {
                    Long inBatch = keys.get(key);
                    if (inBatch != null) {
                        results[i] = new RecordResult(inBatch, true);
                        joins = true;
                        continue;
                    }
                    InflightKey f = inflight.get(key);
                    if (f != null) {
                        results[i] = new RecordResult(f.offset(), true);
                        if (f.index() > waitIndex) {
                            waitIndex = f.index();
                            waitTerm = f.term();
                        }
                        continue;
                    }
                    IdempotencyWindow.Entry known = sm.lookupIdempotencyKey(key, nowMs);
                    if (known != null) {
                        results[i] = new RecordResult(known.offset(), true);
                        continue;
                    }
                }
                long offset = baseOffset + records.size();
                records.add(new BatchRecord(nowMs, rec.key(), rec.value(), key));
                if (key != null) {
                    keys.put(key, offset);
                }
                results[i] = new RecordResult(offset, false);
                joins = true;
            }
            req.results = results;
            req.waitIndex = waitIndex;
            req.waitTerm = waitTerm;
            req.proposedNanos = nowNanos;
            bytes += req.valueBytes;
            included.add(req);
            if (joins) {
                joining.add(req);
            }
        }
        return new Batch(baseOffset, records, keys, included, joining);
    }

    /** The batch's entry was accepted at (index, term): its keys are in flight until applied. */
    void proposed(Batch batch, long index, long term) {
        for (Map.Entry<String, Long> k : batch.keys().entrySet()) {
            inflight.put(k.getKey(), new InflightKey(k.getValue(), index, term));
        }
        for (ProduceRequest req : batch.joining()) {
            req.waitIndex = index;
            req.waitTerm = term;
        }
    }

    /** The entry at {@code index} was applied (its keys are in the window now) or lost. */
    void settled(List<String> keys, long index) {
        for (String key : keys) {
            InflightKey f = inflight.get(key);
            if (f != null && f.index() == index) {
                inflight.remove(key);
            }
        }
    }

    void clear() {
        inflight.clear();
    }
}
