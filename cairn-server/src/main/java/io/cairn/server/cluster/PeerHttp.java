package io.cairn.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.server.config.TokenSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP client one node uses to ask another for something only that node can do: drive a
 * partition's membership change on its leader, rebalance the leaders it holds, report the group
 * offsets of its replicas. It speaks the public API (so a request lands on the partition leader by
 * the same 307 redirects a client follows) with this node's first admin token, if tokens are
 * configured; every node of a cluster must then know that token.
 *
 * <p>Bounds: at most {@link #REDIRECTS_MAX} redirects per request, and every request has a
 * timeout; an unreachable node is an empty answer, never an exception.
 */
final class PeerHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A partition request may go node without replica → replica → leader, and once more after a failover. */
    static final int REDIRECTS_MAX = 4;

    /** One answer: status and parsed JSON body (null when not JSON). */
    record Reply(int status, JsonNode body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        String describe() {
            return status + (body == null ? "" : " " + body);
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final Optional<String> bearer;

    PeerHttp(List<TokenSpec> tokens) {
        this.bearer = tokens.stream().filter(t -> t.scopes().contains("admin")).findFirst()
                .map(t -> new String(t.secret(), StandardCharsets.US_ASCII));
    }

    /**
     * Sends one request, following 307 redirects like {@code curl -L}. Completes with the final
     * answer, or with an empty Optional when a node could not be reached or did not answer in time.
     */
    CompletableFuture<Optional<Reply>> send(String method, String url, String jsonBody, Duration timeout) {
        return send(method, url, jsonBody, timeout, 0);
    }

    private CompletableFuture<Optional<Reply>> send(String method, String url, String jsonBody, Duration timeout, int hop) {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).method(method, jsonBody == null
                    ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (jsonBody != null) b.header("Content-Type", "application/json");
        bearer.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).handle((r, t) -> {
            if (t != null) return CompletableFuture.completedFuture(Optional.<Reply>empty());
            Optional<String> location = r.headers().firstValue("location");
            if (r.statusCode() == 307 && location.isPresent() && hop < REDIRECTS_MAX) {
                return send(method, location.get(), jsonBody, timeout, hop + 1);
            }
            return CompletableFuture.completedFuture(Optional.of(new Reply(r.statusCode(), parse(r.body()))));
        }).thenCompose(f -> f);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isEmpty()) return null;
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
