package io.cairn.client;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link CairnClient}. Every retry loop the client runs is bounded by the numbers
 * here, so a call always ends within roughly {@code totalTimeout} plus one request timeout.
 *
 * @param nodes base URLs of the nodes (e.g. {@code http://127.0.0.1:1109}); tried in order on failover
 * @param connectTimeout TCP connect timeout per attempt
 * @param requestTimeout time to wait for an answer per attempt (long polls and produce timeouts add to it)
 * @param totalTimeout budget for all attempts of one call, including waits
 * @param attemptsMax bound on attempts (sends) per call
 * @param redirectHopsMax bound on 307 hops inside one attempt; more is treated as "no leader yet"
 * @param retryAfterMax cap on a server's {@code Retry-After} so a bad header cannot stall the caller
 * @param backoffInitial first wait between attempts when the server gave no {@code Retry-After}
 * @param backoffMax cap on the doubling backoff
 * @param followRedirects when false a 307 raises {@link CairnNotLeaderException} (read one node directly)
 * @param failover when false only the first node is ever used
 * @param token bearer token, or null when the nodes run open
 * @param extendTimeoutByServerWait when true (the default) a produce's request timeout grows by its
 *     {@code timeout_ms} and a long poll's by its {@code wait_ms}, so the client never gives up
 *     before the server would answer; false makes {@code requestTimeout} absolute (tests and the
 *     chaos harness use that to provoke unknown outcomes on purpose)
 */
public record CairnClientConfig(
        List<URI> nodes,
        Duration connectTimeout,
        Duration requestTimeout,
        Duration totalTimeout,
        int attemptsMax,
        int redirectHopsMax,
        Duration retryAfterMax,
        Duration backoffInitial,
        Duration backoffMax,
        boolean followRedirects,
        boolean failover,
        String token,
        boolean extendTimeoutByServerWait) {

    public CairnClientConfig {
        Objects.requireNonNull(nodes, "nodes");
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("at least one node URL is needed");
        }
        nodes = List.copyOf(nodes);
        if (attemptsMax < 1) {
            throw new IllegalArgumentException("attemptsMax must be >= 1, got " + attemptsMax);
        }
        if (redirectHopsMax < 0) {
            throw new IllegalArgumentException("redirectHopsMax must be >= 0, got " + redirectHopsMax);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with defaults suited to a local cluster: 2 s connect, 10 s per request, 30 s per call. */
    public static final class Builder {
        private final List<URI> nodes = new ArrayList<>();
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration totalTimeout = Duration.ofSeconds(30);
        private int attemptsMax = 10;
        private int redirectHopsMax = 5;
        private Duration retryAfterMax = Duration.ofSeconds(5);
        private Duration backoffInitial = Duration.ofMillis(50);
        private Duration backoffMax = Duration.ofSeconds(1);
        private boolean followRedirects = true;
        private boolean failover = true;
        private String token;
        private boolean extendTimeoutByServerWait = true;

        public Builder node(String url) {
            String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            URI uri = URI.create(trimmed);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("node URL needs scheme and host, got: " + url);
            }
            nodes.add(uri);
            return this;
        }

        public Builder nodes(List<String> urls) {
            urls.forEach(this::node);
            return this;
        }

        public Builder connectTimeout(Duration d) { connectTimeout = d; return this; }
        public Builder requestTimeout(Duration d) { requestTimeout = d; return this; }
        public Builder totalTimeout(Duration d) { totalTimeout = d; return this; }
        public Builder attemptsMax(int n) { attemptsMax = n; return this; }
        public Builder redirectHopsMax(int n) { redirectHopsMax = n; return this; }
        public Builder retryAfterMax(Duration d) { retryAfterMax = d; return this; }
        public Builder backoffInitial(Duration d) { backoffInitial = d; return this; }
        public Builder backoffMax(Duration d) { backoffMax = d; return this; }
        public Builder followRedirects(boolean b) { followRedirects = b; return this; }
        public Builder failover(boolean b) { failover = b; return this; }
        public Builder token(String t) { token = t; return this; }
        public Builder extendTimeoutByServerWait(boolean b) { extendTimeoutByServerWait = b; return this; }

        public CairnClientConfig build() {
            return new CairnClientConfig(nodes, connectTimeout, requestTimeout, totalTimeout, attemptsMax,
                    redirectHopsMax, retryAfterMax, backoffInitial, backoffMax, followRedirects, failover, token,
                    extendTimeoutByServerWait);
        }
    }
}
