package io.cairn.storage;

import java.io.IOException;

/**
 * Base of every typed storage failure. Checked on purpose: a durability-first log makes its
 * callers decide what a disk problem means, instead of letting it escape as a generic error.
 */
public class StorageException extends IOException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
