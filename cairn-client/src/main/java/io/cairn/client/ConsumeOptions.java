package io.cairn.client;

/**
 * Optional settings of one consume. Null fields are left to the server's defaults.
 *
 * @param offset first offset, or null for the group's committed offset + 1 (or the log start)
 * @param limit max records (server default 100, max 10,000)
 * @param maxBytes soft cap on payload bytes (at least one record is always returned)
 * @param waitMs long poll: wait up to this long for new records when none are available
 */
public record ConsumeOptions(Long offset, Integer limit, Integer maxBytes, Integer waitMs) {

    public static ConsumeOptions defaults() {
        return new ConsumeOptions(null, null, null, null);
    }

    public static ConsumeOptions from(long offset) {
        return new ConsumeOptions(offset, null, null, null);
    }

    public ConsumeOptions withLimit(int n) {
        return new ConsumeOptions(offset, n, maxBytes, waitMs);
    }

    public ConsumeOptions withMaxBytes(int n) {
        return new ConsumeOptions(offset, limit, n, waitMs);
    }

    public ConsumeOptions withWaitMs(int n) {
        return new ConsumeOptions(offset, limit, maxBytes, n);
    }
}
