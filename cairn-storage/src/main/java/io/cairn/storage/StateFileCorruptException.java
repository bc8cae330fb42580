package io.cairn.storage;

import java.nio.file.Path;

/** An {@link AtomicStateFile} exists but is damaged (bad magic, length or CRC). Never read as empty. */
public final class StateFileCorruptException extends StorageException {
    private final Path file;

    public StateFileCorruptException(Path file, String detail) {
        super("damaged state file " + file + ": " + detail);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
