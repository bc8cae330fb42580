package io.cairn.server.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** The route table: path templates with {@code {name}} segments, one handler per method. */
final class Router {

    /** Who may call a route; PRODUCE and CONSUME check the {@code {topic}} path segment. */
    enum Access { OPEN, AUTHENTICATED, ADMIN, PRODUCE_TOPIC, CONSUME_TOPIC }

    /** How a route reads its body, which decides the content types it accepts (415 otherwise). */
    enum Body { NONE, JSON, RAW, NDJSON }

    @FunctionalInterface
    interface Handler {
        CompletableFuture<Response> handle(Exchange ex);
    }

    record Route(HttpMethod method, String template, Access access, Body body, Set<String> params, Handler handler) {
        String[] segments() {
            return template.substring(1).split("/");
        }
    }

    record Match(Route route, Map<String, String> pathParams) {}

    private final List<Route> routes = new ArrayList<>();

    Router add(HttpMethod method, String template, Access access, Body body, Set<String> params, Handler handler) {
        routes.add(new Route(method, template, access, body, params, handler));
        return this;
    }

    /** The route for method and path; 404 when no template matches, 405 with Allow when the method does not. */
    Match match(HttpMethod method, String rawPath) {
        String[] parts = split(rawPath);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route r : routes) {
            Map<String, String> params = bind(r.segments(), parts);
            if (params == null) {
                continue;
            }
            if (r.method().equals(method)) {
                return new Match(r, params);
            }
            allowed.add(r.method().name());
        }
        if (allowed.isEmpty()) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "not_found", "no route " + rawPath
                + " (see API.md: /broker/topics, /broker/consume/{topic}/{group}/{partition}, ...)");
        }
        throw new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
            method.name() + " is not allowed on " + rawPath + "; allowed: " + String.join(", ", allowed),
            Map.of("Allow", String.join(", ", allowed)));
    }

    private static String[] split(String rawPath) {
        String p = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1); // "/broker/topics/" is "/broker/topics"
        }
        return p.split("/", -1);
    }

    private static Map<String, String> bind(String[] template, String[] parts) {
        if (template.length != parts.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                params.put(t.substring(1, t.length() - 1), decode(parts[i]));
            } else if (!t.equals(parts[i])) {
                return null;
            }
        }
        return params;
    }

    private static String decode(String segment) {
        try {
            // Path segments keep '+' literally; only %XX escapes are decoded.
            return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_path", "the path segment '" + segment + "' has a bad % escape");
        }
    }
}
