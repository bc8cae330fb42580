package io.cairn.client;

import java.nio.charset.StandardCharsets;

/** One consumed record. {@code key} is null when the record has none. */
public record Message(long offset, int partition, long timestamp, byte[] key, byte[] value) {

    /** The value decoded as UTF-8 (the usual case for JSON and text payloads). */
    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** The key decoded as UTF-8, or null. */
    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }
}
