package io.cairn.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small JDK HttpClient wrapper: every call returns status, headers and the parsed JSON body. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
    private final String base;
    private String token;

    Http(String base) {
        this.base = base;
    }

    Http withToken(String token) {
        var h = new Http(base);
        h.token = token;
        return h;
    }

    record Reply(int status, HttpResponse<byte[]> raw) {
        String body() {
            return new String(raw.body(), StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body(), e);
            }
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String error() {
            return json().path("error").asText();
        }

        @Override
        public String toString() {
            return status + " " + body();
        }
    }

    HttpRequest.Builder request(String path) {
        var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    Reply send(HttpRequest req) {
        try {
            var res = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(res.statusCode(), res);
        } catch (IOException e) {
            throw new AssertionError("request " + req.method() + " " + req.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Reply get(String path) {
        return send(request(path).GET().build());
    }

    Reply delete(String path) {
        return send(request(path).DELETE().build());
    }

    Reply postJson(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    Reply post(String path, byte[] body, String contentType) {
        var b = request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b.build());
    }

    Reply post(String path, String body) {
        return post(path, body.getBytes(StandardCharsets.UTF_8), null);
    }

    Reply createTopic(String name, int partitions) {
        return postJson("/broker/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions + "}");
    }

    Reply produce(String topic, String query, String value) {
        return post("/broker/topics/" + topic + "/produce" + (query.isEmpty() ? "" : "?" + query), value);
    }

    Reply consume(String topic, String group, int partition, String query) {
        return get("/broker/consume/" + topic + "/" + group + "/" + partition + (query.isEmpty() ? "" : "?" + query));
    }
}
