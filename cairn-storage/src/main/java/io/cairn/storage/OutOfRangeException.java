package io.cairn.storage;

/**
 * A read or lookup asked for an offset or Raft index below the log's start (deleted by retention
 * or replaced by a snapshot). The caller answers with the log start or sends a snapshot.
 */
public final class OutOfRangeException extends StorageException {
    public OutOfRangeException(String message) {
        super(message);
    }
}
