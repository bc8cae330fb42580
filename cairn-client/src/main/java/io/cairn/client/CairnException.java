package io.cairn.client;

/** Base of every failure the client reports; unchecked so call sites stay readable. */
public class CairnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CairnException(String message) {
        super(message);
    }

    public CairnException(String message, Throwable cause) {
        super(message, cause);
    }
}
