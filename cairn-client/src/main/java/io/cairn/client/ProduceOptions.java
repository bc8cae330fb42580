package io.cairn.client;

/**
 * Optional settings of one produce. Null fields are left to the server's defaults.
 *
 * @param partition target partition, or null to let the server pick (key hash, then idempotency key hash)
 * @param key record key, or null
 * @param idempotencyKey dedupe key; when null the client generates one so its own retries stay safe
 * @param acks write concern, or null for the server default (majority)
 * @param timeoutMs how long the server waits for the write concern, or null for its default (5000)
 */
public record ProduceOptions(Integer partition, String key, String idempotencyKey, Acks acks, Integer timeoutMs) {

    public static ProduceOptions defaults() {
        return new ProduceOptions(null, null, null, null, null);
    }

    public ProduceOptions withPartition(int p) {
        return new ProduceOptions(p, key, idempotencyKey, acks, timeoutMs);
    }

    public ProduceOptions withKey(String k) {
        return new ProduceOptions(partition, k, idempotencyKey, acks, timeoutMs);
    }

    public ProduceOptions withIdempotencyKey(String k) {
        return new ProduceOptions(partition, key, k, acks, timeoutMs);
    }

    public ProduceOptions withAcks(Acks a) {
        return new ProduceOptions(partition, key, idempotencyKey, a, timeoutMs);
    }

    public ProduceOptions withTimeoutMs(int t) {
        return new ProduceOptions(partition, key, idempotencyKey, acks, t);
    }
}
