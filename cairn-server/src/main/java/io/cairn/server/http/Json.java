package io.cairn.server.http;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/**
 * Strict JSON request bodies: one object, no duplicate keys, no trailing content, no unknown
 * fields (a typo such as {@code "partitons"} is an error, not a silently ignored field), and
 * typed getters whose errors name the field.
 */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .build();

    private Json() {}

    /** Parses a request body that must be one JSON object with only {@code allowed} fields. */
    static ObjectNode object(byte[] body, Set<String> allowed) {
        if (body.length == 0) {
            throw ApiException.badRequest("invalid_json", "the request body is empty; expected a JSON object");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("invalid_json", "the request body is not valid JSON: " + shortMessage(e));
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("invalid_json", "the request body must be a JSON object");
        }
        rejectUnknown((ObjectNode) node, allowed, "");
        return (ObjectNode) node;
    }

    static void rejectUnknown(ObjectNode node, Set<String> allowed, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw ApiException.badRequest("unknown_field", "unknown field '" + prefix + f + "'; expected "
                    + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    /** Jackson's message without the source excerpt and location it appends. */
    static String shortMessage(IOException e) {
        String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        m = String.valueOf(m).lines().findFirst().orElse("");
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }

    static String requireString(ObjectNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw ApiException.badRequest("missing_field", "field '" + field + "' is required");
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("invalid_field", "field '" + field + "' must be a string");
        }
        return v.textValue();
    }

    static long requireLong(ObjectNode n, String field, long min, long max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw ApiException.badRequest("missing_field", "field '" + field + "' is required");
        }
        return toLong(v, field, min, max);
    }

    /** The value, or {@code absent} when the field is missing; null is not allowed. */
    static long optionalLong(ObjectNode n, String field, long min, long max, long absent) {
        JsonNode v = n.get(field);
        return v == null ? absent : toLong(v, field, min, max);
    }

    /** Null when the field is missing or null (meaning "unbounded" for retention). */
    static Long nullableLong(ObjectNode n, String field, long min, long max) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : toLong(v, field, min, max);
    }

    private static long toLong(JsonNode v, String field, long min, long max) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.badRequest("invalid_field", "field '" + field + "' must be an integer");
        }
        long x = v.longValue();
        if (x < min || x > max) {
            throw ApiException.badRequest("invalid_field", "field '" + field + "' must be between " + min + " and "
                + max + ", got " + x);
        }
        return x;
    }

}
