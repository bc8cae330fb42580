package io.cairn.client;

import java.util.List;

/**
 * An acknowledged {@code produce-ndjson} batch: one atomic write of all its records into one partition.
 *
 * @param results per record in request order: its offset and whether it was a dedupe hit
 * @param idempotencyKeys the key each record carried (generated where the caller gave none)
 */
public record BatchResult(
        String topic,
        int partition,
        long firstOffset,
        int count,
        List<Entry> results,
        List<String> idempotencyKeys,
        int attempts,
        int ambiguousAttempts,
        String nodeUrl) {

    /** Offset and dedupe flag of one record of the batch. */
    public record Entry(long offset, boolean duplicate) {}
}
