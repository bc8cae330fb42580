package io.cairn.storage;

import java.nio.file.Path;

/**
 * Data that was once written whole is damaged: a CRC mismatch, a broken sequence, or a bad frame
 * followed by good ones (which a torn write cannot produce). Never skipped: the node quarantines
 * the replica and repairs it from peers, or stops with this message on a single node.
 */
public final class CorruptLogException extends StorageException {
    private final Path file;
    private final long position;

    public CorruptLogException(Path file, long position, String detail) {
        super(String.format("corrupt log file %s at byte %d: %s", file, position, detail));
        this.file = file;
        this.position = position;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** Byte position in {@link #file()} where the damage was found. */
    public long position() {
        return position;
    }
}
