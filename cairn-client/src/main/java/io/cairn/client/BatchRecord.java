package io.cairn.client;

/**
 * One record of a {@code produce-ndjson} batch. Exactly one of {@code value} (UTF-8 text) and
 * {@code valueBytes} is set.
 */
public record BatchRecord(String value, byte[] valueBytes, String key, String idempotencyKey) {

    public BatchRecord {
        if ((value == null) == (valueBytes == null)) {
            throw new IllegalArgumentException("exactly one of value and valueBytes must be set");
        }
    }

    public static BatchRecord of(String value, String key, String idempotencyKey) {
        return new BatchRecord(value, null, key, idempotencyKey);
    }

    public static BatchRecord ofBytes(byte[] value, String key, String idempotencyKey) {
        return new BatchRecord(null, value.clone(), key, idempotencyKey);
    }

    BatchRecord withIdempotencyKey(String k) {
        return new BatchRecord(value, valueBytes, key, k);
    }
}
