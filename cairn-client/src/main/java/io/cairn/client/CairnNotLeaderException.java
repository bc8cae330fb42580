package io.cairn.client;

/**
 * A node answered 307 {@code not_leader} and the client was configured not to follow redirects
 * (used to read one node directly, e.g. by the chaos checker).
 */
public class CairnNotLeaderException extends CairnException {
    private static final long serialVersionUID = 1L;
    private final String leaderId;
    private final String leaderUrl;

    public CairnNotLeaderException(String leaderId, String leaderUrl) {
        super("not_leader: leader is " + leaderId + " at " + leaderUrl);
        this.leaderId = leaderId;
        this.leaderUrl = leaderUrl;
    }

    public String leaderId() {
        return leaderId;
    }

    public String leaderUrl() {
        return leaderUrl;
    }
}
