package io.cairn.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.server.broker.BrokerException;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Maps failures to API.md status codes and error bodies. Only unexpected exceptions become 500. */
final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);
    static final HttpResponseStatus INSUFFICIENT_STORAGE = HttpResponseStatus.valueOf(507);

    private Errors() {}

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** {@code uri} is the request's path and query, for the leader redirect's Location. */
    static Response toResponse(Throwable failure, String method, String uri) {
        Throwable t = unwrap(failure);
        if (t instanceof ApiException e) {
            return Response.error(e.status, e.code, e.getMessage(), e.headers);
        }
        if (t instanceof BrokerException e) {
            return fromBroker(e, uri);
        }
        if (t instanceof TimeoutException) {
            // Our own deadline on a broker future fired: the write may still commit.
            ObjectNode body = Response.errorBody("timeout", "the node did not answer within the request's deadline; "
                + "the write may or may not have been committed: retry with the same idempotency key");
            body.put("outcome", "unknown");
            return Response.json(HttpResponseStatus.GATEWAY_TIMEOUT, body);
        }
        log.error("unexpected failure handling {} {}", method, uri, t);
        return Response.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error",
            "the node hit an unexpected error; it is logged on the node", Map.of());
    }

    private static Response fromBroker(BrokerException e, String uri) {
        return switch (e) {
            case BrokerException.BadRequest b -> Response.error(HttpResponseStatus.BAD_REQUEST, b.code(), b.getMessage(), Map.of());
            case BrokerException.NotFound n -> Response.error(HttpResponseStatus.NOT_FOUND, n.code(), n.getMessage(), Map.of());
            case BrokerException.Conflict c -> Response.error(HttpResponseStatus.CONFLICT, c.code(), c.getMessage(), Map.of());
            case BrokerException.NotLeader nl -> notLeader(nl, uri);
            case BrokerException.Unavailable u -> Response.error(HttpResponseStatus.SERVICE_UNAVAILABLE, u.code(),
                u.getMessage(), Map.of("Retry-After", retryAfterSeconds(u.retryAfterMs())));
            case BrokerException.Overloaded o -> Response.error(HttpResponseStatus.TOO_MANY_REQUESTS, o.code(),
                o.getMessage(), Map.of("Retry-After", "1"));
            case BrokerException.DiskFull d -> Response.error(INSUFFICIENT_STORAGE, d.code(), d.getMessage(), Map.of());
            case BrokerException.OutcomeUnknown o -> {
                ObjectNode body = Response.errorBody(o.code(), o.getMessage());
                body.put("outcome", "unknown");
                yield Response.json(HttpResponseStatus.GATEWAY_TIMEOUT, body);
            }
            case BrokerException.StorageFailed s -> Response.error(HttpResponseStatus.SERVICE_UNAVAILABLE, s.code(),
                s.getMessage(), Map.of());
        };
    }

    private static Response notLeader(BrokerException.NotLeader e, String uri) {
        if (e.leaderUrl() == null || e.leaderUrl().isEmpty()) {
            return Response.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_leader",
                "this node is not the leader and no leader is known yet", Map.of("Retry-After", "1"));
        }
        String base = e.leaderUrl().endsWith("/") ? e.leaderUrl().substring(0, e.leaderUrl().length() - 1) : e.leaderUrl();
        ObjectNode body = Response.errorBody("not_leader", e.getMessage());
        body.put("leader_id", e.leaderId());
        body.put("leader_url", base);
        return Response.json(HttpResponseStatus.TEMPORARY_REDIRECT, body, Map.of("Location", base + uri));
    }

    static String retryAfterSeconds(long ms) {
        return Long.toString(Math.max(1, (ms + 999) / 1000));
    }
}
