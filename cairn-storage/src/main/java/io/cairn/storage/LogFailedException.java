package io.cairn.storage;

/**
 * The log can no longer vouch for its data: an fsync failed (the kernel may have dropped dirty
 * pages, so retrying could report success for data that is gone) or an unexpected write error
 * happened. Every later operation fails with this exception; the node must stop the replica.
 */
public final class LogFailedException extends StorageException {
    public LogFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
