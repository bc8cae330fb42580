package io.cairn.server.broker;

/**
 * Failures the HTTP layer maps to API.md status codes and error bodies. The {@code code} is the
 * snake_case {@code error} field; the message is for humans.
 */
public abstract sealed class BrokerException extends RuntimeException {
    private final String code;

    protected BrokerException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** 400: input is invalid; nothing changed. */
    public static final class BadRequest extends BrokerException {
        public BadRequest(String code, String message) { super(code, message); }
    }

    /** 404: unknown topic, partition or group. */
    public static final class NotFound extends BrokerException {
        public NotFound(String code, String message) { super(code, message); }
    }

    /** 409: exists with other settings, or another change is in progress. */
    public static final class Conflict extends BrokerException {
        public Conflict(String code, String message) { super(code, message); }
    }

    /** 307: this replica is not the leader; the client should retry at the leader. */
    public static final class NotLeader extends BrokerException {
        private final String leaderId;
        private final String leaderUrl;

        public NotLeader(String leaderId, String leaderUrl) {
            super("not_leader", "this node is not the leader; leader is " + leaderId);
            this.leaderId = leaderId;
            this.leaderUrl = leaderUrl;
        }

        public String leaderId() { return leaderId; }
        public String leaderUrl() { return leaderUrl; }
    }

    /** 503 with Retry-After: no leader, no quorum, or not ready yet. */
    public static final class Unavailable extends BrokerException {
        private final long retryAfterMs;

        public Unavailable(String code, String message, long retryAfterMs) {
            super(code, message);
            this.retryAfterMs = retryAfterMs;
        }

        public long retryAfterMs() { return retryAfterMs; }
    }

    /** 429 with Retry-After: a bounded queue is full. */
    public static final class Overloaded extends BrokerException {
        public Overloaded(String message) { super("overloaded", message); }
    }

    /** 507: the disk is full or the log is over its size bound; writes resume once space is freed. */
    public static final class DiskFull extends BrokerException {
        public DiskFull(String message) { super("disk_full", message); }
    }

    /** 504 with {@code "outcome":"unknown"}: the write may or may not have been committed. */
    public static final class OutcomeUnknown extends BrokerException {
        public OutcomeUnknown(String message) { super("timeout", message); }
    }

    /** 503: storage failed (fsync error, corruption); the node stops accepting writes. */
    public static final class StorageFailed extends BrokerException {
        public StorageFailed(String message) { super("storage_failed", message); }
    }
}
