package io.cairn.client;

/**
 * A write may or may not have been applied: at least one attempt was sent and its answer was lost
 * (timeout, connection reset after sending, or 504 {@code "outcome":"unknown"}), and the retry
 * budget ran out before a retry with the same idempotency key settled it. Retrying later with
 * {@link #idempotencyKey()} is safe inside the server's dedupe window.
 */
public class CairnOutcomeUnknownException extends CairnException {
    private static final long serialVersionUID = 1L;
    private final String idempotencyKey;

    public CairnOutcomeUnknownException(String message, String idempotencyKey, Throwable cause) {
        super(message, cause);
        this.idempotencyKey = idempotencyKey;
    }

    /** The key every attempt carried (for a batch: the first record's key), or null for non-keyed requests. */
    public String idempotencyKey() {
        return idempotencyKey;
    }
}
