package io.cairn.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Parses an NDJSON produce body into records, all or nothing: the first bad line rejects the
 * whole request with its line number. Blank lines (including a trailing newline) are skipped.
 *
 * <p>Plain mode: each line is one JSON value; a JSON string is stored as its text (unquoted),
 * any other value as the line's own text, byte for byte (trimmed), so number precision and key
 * order survive. Envelope mode: each line is an object
 * {@code {"value"|"value_b64", "key"|"key_b64"?, "idempotency_key"?}}.
 */
final class NdjsonParser {
    private static final Set<String> ENVELOPE_FIELDS = Set.of("value", "value_b64", "key", "key_b64", "idempotency_key");

    private final int recordBytesMax;
    private final int recordsMax;
    private final int idempotencyKeyBytesMax;

    NdjsonParser(int recordBytesMax, int recordsMax, int idempotencyKeyBytesMax) {
        this.recordBytesMax = recordBytesMax;
        this.recordsMax = recordsMax;
        this.idempotencyKeyBytesMax = idempotencyKeyBytesMax;
    }

    List<ProduceRecord> parse(byte[] body, boolean envelope) {
        var records = new ArrayList<ProduceRecord>();
        int line = 0;
        int start = 0;
        while (start <= body.length) {
            int end = indexOf(body, (byte) '\n', start);
            line++;
            int from = start;
            int to = end;
            while (from < to && isSpace(body[from])) {
                from++;
            }
            while (to > from && isSpace(body[to - 1])) {
                to--;
            }
            if (to > from) {
                if (records.size() == recordsMax) {
                    throw ApiException.tooLarge("batch_too_large", "line " + line + ": more than " + recordsMax
                        + " records in one request (--max-batch-records); split the batch");
                }
                records.add(envelope ? envelopeRecord(body, from, to, line) : plainRecord(body, from, to, line));
            }
            start = end + 1;
        }
        if (records.isEmpty()) {
            throw ApiException.badRequest("empty_batch", "the body holds no records (one JSON value per line)");
        }
        return records;
    }

    private static int indexOf(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return b.length;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }

    private ProduceRecord plainRecord(byte[] body, int from, int to, int line) {
        JsonNode node = parseLine(body, from, to, line);
        byte[] value = node.isTextual()
            ? node.textValue().getBytes(StandardCharsets.UTF_8)
            : Arrays.copyOfRange(body, from, to);
        checkSize(value, line);
        return new ProduceRecord(null, value, null);
    }

    private ProduceRecord envelopeRecord(byte[] body, int from, int to, int line) {
        JsonNode node = parseLine(body, from, to, line);
        if (!(node instanceof ObjectNode obj)) {
            throw bad(line, "with envelope=1 each line must be an object {\"value\":…,\"key\":…,\"idempotency_key\":…}");
        }
        for (var it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!ENVELOPE_FIELDS.contains(f)) {
                throw bad(line, "unknown field '" + f + "'; expected value or value_b64, key or key_b64, idempotency_key");
            }
        }
        if (obj.has("value") == obj.has("value_b64")) {
            throw bad(line, "give exactly one of 'value' and 'value_b64'");
        }
        if (obj.has("key") && obj.has("key_b64")) {
            throw bad(line, "give at most one of 'key' and 'key_b64'");
        }
        byte[] value;
        if (obj.has("value")) {
            JsonNode v = obj.get("value");
            value = v.isTextual() ? v.textValue().getBytes(StandardCharsets.UTF_8) : serialize(v);
        } else {
            value = base64(obj.get("value_b64"), "value_b64", line);
        }
        checkSize(value, line);
        byte[] key = null;
        if (obj.hasNonNull("key")) {
            key = text(obj.get("key"), "key", line).getBytes(StandardCharsets.UTF_8);
        } else if (obj.hasNonNull("key_b64")) {
            key = base64(obj.get("key_b64"), "key_b64", line);
        }
        String idem = null;
        if (obj.hasNonNull("idempotency_key")) {
            idem = text(obj.get("idempotency_key"), "idempotency_key", line);
            try {
                ProduceRoutes.checkIdempotencyKey(idem, idempotencyKeyBytesMax);
            } catch (ApiException e) {
                throw bad(line, e.getMessage());
            }
        }
        return new ProduceRecord(key, value, idem);
    }

    private static JsonNode parseLine(byte[] body, int from, int to, int line) {
        try {
            return Json.MAPPER.readTree(body, from, to - from);
        } catch (IOException e) {
            throw bad(line, "not valid JSON: " + Json.shortMessage(e));
        }
    }

    private static byte[] serialize(JsonNode v) {
        try {
            return Json.MAPPER.writeValueAsBytes(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON value always serialises", e);
        }
    }

    private static String text(JsonNode v, String field, int line) {
        if (!v.isTextual()) {
            throw bad(line, "'" + field + "' must be a string");
        }
        return v.textValue();
    }

    private static byte[] base64(JsonNode v, String field, int line) {
        try {
            return Base64.getDecoder().decode(text(v, field, line));
        } catch (IllegalArgumentException e) {
            throw bad(line, "'" + field + "' is not valid base64: " + e.getMessage());
        }
    }

    private void checkSize(byte[] value, int line) {
        if (value.length > recordBytesMax) {
            throw ApiException.tooLarge("record_too_large", "line " + line + ": the value is " + value.length
                + " bytes, over the " + recordBytesMax + "-byte limit (--max-record-bytes); nothing was written");
        }
    }

    private static ApiException bad(int line, String message) {
        return ApiException.badRequest("invalid_ndjson", "line " + line + ": " + message + "; nothing was written");
    }
}
