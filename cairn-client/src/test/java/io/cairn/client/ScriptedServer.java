package io.cairn.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny real HTTP server on a loopback port for the client's unit tests. Each request is answered
 * by the next scripted step (the last step repeats), and every request is recorded so tests can
 * assert what the client actually sent on the wire.
 */
final class ScriptedServer implements AutoCloseable {
    /** One scripted answer. */
    interface Step {
        void answer(HttpExchange ex, Seen seen) throws IOException;
    }

    /** What the server saw of one request. */
    record Seen(String method, String uri, String body) {
        String query(String name) {
            String q = uri.contains("?") ? uri.substring(uri.indexOf('?') + 1) : "";
            for (String part : q.split("&")) {
                int eq = part.indexOf('=');
                if (eq > 0 && part.substring(0, eq).equals(name)) {
                    return java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final Deque<Step> steps = new ArrayDeque<>();
    private Step last;
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    ScriptedServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    synchronized ScriptedServer then(Step s) {
        steps.add(s);
        return this;
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Seen s = new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(), body);
        seen.add(s);
        Step step;
        synchronized (this) {
            step = steps.isEmpty() ? last : steps.poll();
            last = step;
        }
        if (step == null) {
            respond(ex, 500, "{\"ok\":false,\"error\":\"unscripted\",\"message\":\"no step\"}");
            return;
        }
        step.answer(ex, s);
    }

    static void respond(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    static Step json(int status, String json) {
        return (ex, s) -> respond(ex, status, json);
    }

    static Step redirectTo(String baseUrl) {
        return (ex, s) -> {
            ex.getResponseHeaders().set("Location", baseUrl + ex.getRequestURI());
            respond(ex, 307, "{\"ok\":false,\"error\":\"not_leader\",\"leader_id\":\"n2\",\"leader_url\":\"" + baseUrl + "\"}");
        };
    }

    static Step unavailable(String retryAfter) {
        return (ex, s) -> {
            ex.getResponseHeaders().set("Retry-After", retryAfter);
            respond(ex, 503, "{\"ok\":false,\"error\":\"no_leader\",\"message\":\"election in progress\"}");
        };
    }

    /** Reads the request, then drops the connection without answering: the write may have happened. */
    static Step hangUp() {
        return (ex, s) -> ex.close();
    }

    static Step produced(long offset, boolean duplicate) {
        return (ex, s) -> respond(ex, 200, "{\"ok\":true,\"topic\":\"t\",\"partition\":0,\"offset\":" + offset
                + ",\"durable\":true,\"synced\":true,\"duplicate\":" + duplicate + "}");
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
