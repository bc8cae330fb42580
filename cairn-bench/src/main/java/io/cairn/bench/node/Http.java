package io.cairn.bench.node;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Control-plane HTTP calls of the scenarios (create topic, probe readiness, scrape metrics),
 * over the JDK client. Never used for the measured load: that is the Netty load generator's job.
 * Redirects are not followed, so a scenario sees a 307 and can learn the leader from it.
 */
public final class Http {
    /** Control calls are small; anything slower than this means the node is stuck. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private Http() {}

    /** A response: status, body, and the Location header when there is one. */
    public record Response(int status, String body, Optional<String> location) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    public static Response get(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT).GET().build());
    }

    public static Response post(String url, String contentType, byte[] body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    public static Response postJson(String url, String json) throws IOException, InterruptedException {
        return post(url, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** GET that answers null instead of throwing when the node is not listening (yet). */
    public static Response tryGet(String url) throws InterruptedException {
        try {
            return get(url);
        } catch (IOException e) {
            return null;
        }
    }

    private static Response send(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<String> res = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
        return new Response(res.statusCode(), res.body(), res.headers().firstValue("Location"));
    }
}
