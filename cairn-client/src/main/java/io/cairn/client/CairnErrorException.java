package io.cairn.client;

/**
 * The node answered with a definite error ({@code "ok":false}) that retrying will not fix, such as
 * 400 bad input, 404 unknown topic or 409 conflict. The request changed nothing on the server.
 */
public class CairnErrorException extends CairnException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String error;

    public CairnErrorException(int status, String error, String message) {
        super("HTTP " + status + " " + error + ": " + message);
        this.status = status;
        this.error = error;
    }

    /** The HTTP status code the node answered with. */
    public int status() {
        return status;
    }

    /** The snake_case error code from the body, or {@code "http_<status>"} if the body had none. */
    public String error() {
        return error;
    }
}
