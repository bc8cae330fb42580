package io.cairn.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.util.List;
import java.util.Map;

/**
 * One request as a handler sees it: method, path parameters, strictly parsed query, body bytes,
 * and the authenticated principal. Query getters reject non-numeric, negative or out-of-range
 * values with a 400 naming the parameter.
 */
final class Exchange {
    final ChannelHandlerContext ctx;
    final HttpMethod method;
    final String uri;
    final Router.Route route;
    final Map<String, String> pathParams;
    final Map<String, List<String>> query;
    final HttpHeaders headers;
    final byte[] body;
    final Auth.Principal principal;
    /** When the full request had been read; the start of every server-side timing. */
    final long receivedNanos;

    Exchange(ChannelHandlerContext ctx, HttpMethod method, String uri, Router.Route route,
             Map<String, String> pathParams, Map<String, List<String>> query, HttpHeaders headers, byte[] body,
             Auth.Principal principal, long receivedNanos) {
        this.ctx = ctx;
        this.method = method;
        this.uri = uri;
        this.route = route;
        this.pathParams = pathParams;
        this.query = query;
        this.headers = headers;
        this.body = body;
        this.principal = principal;
        this.receivedNanos = receivedNanos;
    }

    String path(String name) {
        return pathParams.get(name);
    }

    /** The single value of a query parameter, or null when absent. */
    String param(String name) {
        List<String> v = query.get(name);
        return v == null ? null : v.get(0);
    }

    long longParam(String name, long min, long max, long absent) {
        String v = param(name);
        if (v == null) {
            return absent;
        }
        return parseLong(name, v, min, max);
    }

    static long parseLong(String name, String v, long min, long max) {
        long x;
        try {
            x = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid_parameter", name + " must be an integer, got '" + abbreviate(v) + "'");
        }
        if (x < min || x > max) {
            throw ApiException.badRequest("invalid_parameter", name + " must be between " + min + " and " + max
                + ", got " + x);
        }
        return x;
    }

    /** A partition number from the path; non-numeric or negative is a 400. */
    int partitionPath() {
        return (int) parseLong("partition", path("partition"), 0, Integer.MAX_VALUE);
    }

    boolean flag(String name) {
        String v = param(name);
        if (v == null) {
            return false;
        }
        return switch (v) {
            case "1", "true" -> true;
            case "0", "false" -> false;
            default -> throw ApiException.badRequest("invalid_parameter", name + " must be 1 or 0, got '" + abbreviate(v) + "'");
        };
    }

    static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }
}
