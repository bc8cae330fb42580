package io.cairn.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.server.broker.PartitionHandle.StoredRecord;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A stored record as JSON. With {@code utf8} encoding a value (or key) that is valid UTF-8 is
 * {@code value} text and anything else is {@code value_b64}, so binary data is never mangled
 * into replacement characters; with {@code b64} it is always {@code value_b64}.
 */
final class RecordJson {
    enum Encoding { UTF8, B64 }

    private RecordJson() {}

    static Encoding parseEncoding(String v) {
        if (v == null || v.equals("utf8")) {
            return Encoding.UTF8;
        }
        if (v.equals("b64")) {
            return Encoding.B64;
        }
        throw ApiException.badRequest("invalid_parameter", "encoding must be utf8 or b64, got '" + Exchange.abbreviate(v) + "'");
    }

    static void write(ObjectNode n, StoredRecord r, int partition, Encoding encoding) {
        n.put("offset", r.offset());
        n.put("partition", partition);
        n.put("timestamp", r.timestampMs());
        if (r.key() == null) {
            n.putNull("key");
        } else {
            putBytes(n, "key", r.key(), encoding);
        }
        putBytes(n, "value", r.value(), encoding);
    }

    private static void putBytes(ObjectNode n, String field, byte[] bytes, Encoding encoding) {
        if (encoding == Encoding.UTF8) {
            String text = utf8OrNull(bytes);
            if (text != null) {
                n.put(field, text);
                return;
            }
        }
        n.put(field + "_b64", Base64.getEncoder().encodeToString(bytes));
    }

    /** The text, or null when the bytes are not valid UTF-8. */
    static String utf8OrNull(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
