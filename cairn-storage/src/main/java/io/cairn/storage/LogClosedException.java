package io.cairn.storage;

/** The log was closed; the operation did nothing. */
public final class LogClosedException extends StorageException {
    public LogClosedException(String message) {
        super(message);
    }
}
