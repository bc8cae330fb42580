package io.cairn.server.node;

/** The node cannot start; the message is the single line printed before exiting non-zero. */
public final class StartupException extends Exception {
    public StartupException(String message) {
        super(message, null, false, false);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
