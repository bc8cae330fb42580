package io.cairn.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A complete answer to one request. {@link #STREAMING} means the handler took over the channel
 * (Server-Sent Events) and writes and closes it itself.
 */
record Response(HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {
    static final ObjectMapper JSON = Json.MAPPER;
    static final String JSON_TYPE = "application/json";
    static final Response STREAMING = new Response(HttpResponseStatus.OK, "text/event-stream", new byte[0], Map.of());

    static Response json(HttpResponseStatus status, ObjectNode body) {
        return json(status, body, Map.of());
    }

    static Response json(HttpResponseStatus status, ObjectNode body, Map<String, String> headers) {
        try {
            return new Response(status, JSON_TYPE, JSON.writeValueAsBytes(body), headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an ObjectNode always serialises", e);
        }
    }

    /** {@code {"ok":true}}, shared: answers are never modified after they are built. */
    private static final byte[] OK_BODY = "{\"ok\":true}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** 200 with {@code {"ok":true}}, without building a JSON tree (health and the no-op baseline). */
    static Response okPlain() {
        return new Response(HttpResponseStatus.OK, JSON_TYPE, OK_BODY, Map.of());
    }

    /** 200 with a JSON body already written (by {@link JsonOut}). */
    static Response ok(byte[] json) {
        return new Response(HttpResponseStatus.OK, JSON_TYPE, json, Map.of());
    }

    static Response ok(ObjectNode body) {
        return json(HttpResponseStatus.OK, body);
    }

    static Response error(HttpResponseStatus status, String code, String message, Map<String, String> headers) {
        return json(status, errorBody(code, message), headers);
    }

    static ObjectNode errorBody(String code, String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("ok", false);
        n.put("error", code);
        n.put("message", message);
        return n;
    }

    static ObjectNode okBody() {
        return JSON.createObjectNode().put("ok", true);
    }

    Response withHeader(String name, String value) {
        var h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Response(status, contentType, body, h);
    }
}
