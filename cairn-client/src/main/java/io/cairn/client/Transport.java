package io.cairn.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The retry engine behind every call: redirects, {@code Retry-After}, failover and ambiguity.
 *
 * <p>Why redirects are followed by hand: {@link HttpClient.Redirect} turns a redirected POST into a
 * GET without body on some paths, and a produce must keep its body across a 307. Hops are bounded
 * by {@link CairnClientConfig#redirectHopsMax()} per attempt because during an election two nodes
 * can briefly point at each other.
 */
final class Transport {
    static final ObjectMapper JSON = new ObjectMapper();

    /** What kind of request this is decides what a lost answer means. */
    enum Kind {
        /** No side effect: a lost answer is simply retried. */
        READ,
        /** Side effect that is safe to repeat (idempotency key, commit, identical topic create). */
        SAFE_WRITE
    }

    /** One logical request; the same bytes are sent on every attempt and every hop. */
    record Call(String method, String pathAndQuery, byte[] body, String contentType, Kind kind,
                String idempotencyKey, Duration extraTimeout) {}

    /** A 2xx answer plus how it was reached. */
    record Answer(int status, JsonNode json, int attempts, int ambiguousAttempts, String nodeUrl) {}

    private final CairnClientConfig config;
    private final HttpClient http;
    private final Sleeper sleeper;
    /** Index of the node tried first; moved on connection failures so later calls skip a dead node. */
    private final AtomicInteger preferredNode = new AtomicInteger();

    Transport(CairnClientConfig config, Sleeper sleeper) {
        this.config = config;
        this.sleeper = sleeper;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    Answer execute(Call call) {
        long deadlineNs = System.nanoTime() + config.totalTimeout().toNanos();
        int attempts = 0;
        int ambiguous = 0;
        Duration backoff = config.backoffInitial();
        Exception lastFailure = null;
        String lastReason = "no attempt made";
        int nodeIndex = Math.floorMod(preferredNode.get(), config.nodes().size());
        while (attempts < config.attemptsMax()) {
            if (attempts > 0 && System.nanoTime() > deadlineNs) {
                lastReason = "call budget of " + config.totalTimeout().toMillis() + " ms spent; " + lastReason;
                break;
            }
            attempts++;
            URI base = config.nodes().get(nodeIndex);
            URI target = base.resolve(call.pathAndQuery());
            Duration wait = null;
            boolean moveOn = false;
            try {
                int hops = 0;
                while (true) {
                    HttpResponse<byte[]> response = http.send(request(call, target), HttpResponse.BodyHandlers.ofByteArray());
                    int status = response.statusCode();
                    JsonNode json = parse(response.body());
                    if (status == 307 || status == 308) {
                        String location = response.headers().firstValue("Location").orElse(null);
                        if (!config.followRedirects()) {
                            throw new CairnNotLeaderException(text(json, "leader_id"),
                                    location != null ? location : text(json, "leader_url"));
                        }
                        if (location == null) {
                            lastReason = "307 without Location from " + target;
                            moveOn = true;
                            break;
                        }
                        if (++hops > config.redirectHopsMax()) {
                            lastReason = "more than " + config.redirectHopsMax() + " redirect hops, last to " + location;
                            break;
                        }
                        target = target.resolve(location);
                        continue;
                    }
                    if (status >= 200 && status < 300) {
                        if (status < 300 && nodeIndex != preferredNode.get()) {
                            preferredNode.set(nodeIndex);
                        }
                        return new Answer(status, json, attempts, ambiguous, baseOf(target));
                    }
                    String error = text(json, "error");
                    String message = text(json, "message");
                    if (status == 503 || status == 429) {
                        lastReason = status + " " + error + " from " + target + ": " + message;
                        wait = retryAfter(response);
                        // A node without a leader or not ready may be the isolated one; another may know better.
                        moveOn = status == 503;
                        break;
                    }
                    if (status == 504 || status >= 500) {
                        // 504 says outcome unknown; any other 5xx gives no promise either, so treat both as ambiguous.
                        if (call.kind() == Kind.SAFE_WRITE) {
                            ambiguous++;
                        }
                        lastReason = status + " " + error + " from " + target + ": " + message;
                        moveOn = true;
                        break;
                    }
                    CairnErrorException definite = new CairnErrorException(status, error == null ? "http_" + status : error,
                            message == null ? "(no message)" : message);
                    if (ambiguous > 0) {
                        // This answer covers only this attempt; an earlier one whose answer was lost
                        // may still have been applied, so the call as a whole stays unknown.
                        throw new CairnOutcomeUnknownException(call.method() + " " + call.pathAndQuery() + ": "
                                + ambiguous + " earlier attempt(s) may have been applied; last answer: " + definite.getMessage(),
                                call.idempotencyKey(), definite);
                    }
                    throw definite;
                }
            } catch (IOException e) {
                lastFailure = e;
                if (notSent(e)) {
                    lastReason = "cannot connect to " + target + ": " + e;
                } else {
                    if (call.kind() == Kind.SAFE_WRITE) {
                        ambiguous++;
                    }
                    lastReason = "answer lost from " + target + ": " + e;
                }
                moveOn = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CairnException("interrupted", e);
            }
            if (moveOn && config.failover() && config.nodes().size() > 1) {
                nodeIndex = (nodeIndex + 1) % config.nodes().size();
                preferredNode.set(nodeIndex);
            }
            if (attempts >= config.attemptsMax()) {
                break;
            }
            Duration pause = wait != null ? wait : backoff;
            long leftNs = deadlineNs - System.nanoTime();
            if (leftNs <= 0) {
                continue;
            }
            if (pause.toNanos() > leftNs) {
                pause = Duration.ofNanos(leftNs);
            }
            try {
                sleeper.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CairnException("interrupted", e);
            }
            backoff = min(backoff.multipliedBy(2), config.backoffMax());
        }
        String summary = call.method() + " " + call.pathAndQuery() + " failed after " + attempts + " attempt(s): " + lastReason;
        if (ambiguous > 0) {
            throw new CairnOutcomeUnknownException(summary + " (outcome unknown: " + ambiguous
                    + " attempt(s) may have been applied)", call.idempotencyKey(), lastFailure);
        }
        throw new CairnUnavailableException(summary, lastFailure);
    }

    private HttpRequest request(Call call, URI target) {
        Duration timeout = config.requestTimeout();
        if (call.extraTimeout() != null && config.extendTimeoutByServerWait()) {
            timeout = timeout.plus(call.extraTimeout());
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(timeout);
        if (config.token() != null) {
            b.header("Authorization", "Bearer " + config.token());
        }
        if (call.body() != null) {
            b.header("Content-Type", call.contentType());
            b.method(call.method(), HttpRequest.BodyPublishers.ofByteArray(call.body()));
        } else {
            b.method(call.method(), HttpRequest.BodyPublishers.noBody());
        }
        return b.build();
    }

    /**
     * True when the request certainly never reached a node: the connection was refused or could not
     * be opened in time. Anything else (reset, EOF, response timeout) may have happened after the
     * node read the request, so it is ambiguous for a write.
     */
    static boolean notSent(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException
                    || t instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    /** Parses {@code Retry-After} (delta seconds, possibly fractional, or an HTTP date), capped by config. */
    Duration retryAfter(HttpResponse<?> response) {
        String v = response.headers().firstValue("Retry-After").orElse(null);
        if (v == null || v.isBlank()) {
            return null;
        }
        Duration d;
        try {
            double seconds = Double.parseDouble(v.trim());
            d = Duration.ofMillis((long) Math.max(0, seconds * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                if (d.isNegative()) {
                    d = Duration.ZERO;
                }
            } catch (RuntimeException badDate) {
                return null;
            }
        }
        return min(d, config.retryAfterMax());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String baseOf(URI u) {
        return u.getScheme() + "://" + u.getAuthority();
    }

    static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("message", "non-JSON body: "
                    + new String(body, 0, Math.min(body.length, 200), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    static String text(JsonNode json, String field) {
        JsonNode n = json == null ? null : json.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
