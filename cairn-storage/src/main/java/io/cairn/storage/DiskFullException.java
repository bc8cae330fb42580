package io.cairn.storage;

/**
 * A write failed for lack of space (ENOSPC). The partial write was cut back, so the log is as it
 * was before the call and accepts appends again once space is freed. Unlike a failed fsync this
 * is not fatal: nothing the kernel accepted was lost.
 */
public final class DiskFullException extends StorageException {
    public DiskFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
