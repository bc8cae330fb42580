package io.cairn.storage;

/**
 * Completes a {@link SegmentLog#whenDurable(long)} future whose entry was removed by
 * {@link SegmentLog#truncateSuffix(long)} or {@link SegmentLog#resetTo(long, long, long)} before it
 * became durable: the entry the caller waited for no longer exists.
 */
public final class LogTruncatedException extends StorageException {
    public LogTruncatedException(String message) {
        super(message);
    }
}
