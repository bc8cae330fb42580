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

    record Route(HttpMethod method, String template, Access access, Body body, Set<String> params, Handler handler,
                 String[] segments, String[] paramNames) {
        /**
         * Splits the template once, when the route is added: matching runs on every request, so
         * it compares against these instead of re-splitting every template each time.
         * {@code paramNames[i]} is the name of the {@code {name}} segment i, or null for a literal.
         */
        Route(HttpMethod method, String template, Access access, Body body, Set<String> params, Handler handler) {
            this(method, template, access, body, params, handler, splitPath(template), paramNamesOf(splitPath(template)));
        }

        private static String[] paramNamesOf(String[] segments) {
            String[] names = new String[segments.length];
            for (int i = 0; i < segments.length; i++) {
                String t = segments[i];
                names[i] = t.startsWith("{") && t.endsWith("}") ? t.substring(1, t.length() - 1) : null;
            }
            return names;
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
        String[] parts = splitPath(rawPath);
        Set<String> allowed = null;
        for (Route r : routes) {
            if (!matches(r, parts)) {
                continue;
            }
            if (r.method().equals(method)) {
                return new Match(r, bind(r, parts));
            }
            if (allowed == null) {
                allowed = new LinkedHashSet<>();
            }
            allowed.add(r.method().name());
        }
        if (allowed == null) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "not_found", "no route " + rawPath
                + " (see API.md: /broker/topics, /broker/consume/{topic}/{group}/{partition}, ...)");
        }
        throw new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
            method.name() + " is not allowed on " + rawPath + "; allowed: " + String.join(", ", allowed),
            Map.of("Allow", String.join(", ", allowed)));
    }

    /**
     * The path's segments without the leading slash and one trailing slash ("/broker/topics/" is
     * "/broker/topics"); empty segments are kept, so "/a//b" does not match "/a/b". A plain
     * character scan: this runs on every request.
     */
    static String[] splitPath(String rawPath) {
        int from = rawPath.startsWith("/") ? 1 : 0;
        int to = rawPath.length();
        if (to > from && rawPath.charAt(to - 1) == '/') {
            to--;
        }
        int count = 1;
        for (int i = from; i < to; i++) {
            if (rawPath.charAt(i) == '/') {
                count++;
            }
        }
        String[] parts = new String[count];
        int start = from;
        int n = 0;
        for (int i = from; i < to; i++) {
            if (rawPath.charAt(i) == '/') {
                parts[n++] = rawPath.substring(start, i);
                start = i + 1;
            }
        }
        parts[n] = rawPath.substring(start, to);
        return parts;
    }

    private static boolean matches(Route r, String[] parts) {
        String[] template = r.segments();
        if (template.length != parts.length) {
            return false;
        }
        for (int i = 0; i < template.length; i++) {
            if (r.paramNames()[i] != null ? parts[i].isEmpty() : !template[i].equals(parts[i])) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> bind(Route r, String[] parts) {
        Map<String, String> params = null;
        for (int i = 0; i < parts.length; i++) {
            String name = r.paramNames()[i];
            if (name != null) {
                if (params == null) {
                    params = new LinkedHashMap<>(4);
                }
                params.put(name, decode(parts[i]));
            }
        }
        return params == null ? Map.of() : params;
    }

    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment; // Nothing escaped, and '+' stays literal in a path.
        }
        try {
            // Path segments keep '+' literally; only %XX escapes are decoded.
            return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_path", "the path segment '" + segment + "' has a bad % escape");
        }
    }
}
