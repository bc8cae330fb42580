package io.cairn.client;

/**
 * No node could take the request within the retry budget (connection refused everywhere, 503 with
 * no leader, too many redirects). The request was definitely not applied: every attempt either
 * failed to connect or was refused before the node accepted it.
 */
public class CairnUnavailableException extends CairnException {
    private static final long serialVersionUID = 1L;

    public CairnUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
