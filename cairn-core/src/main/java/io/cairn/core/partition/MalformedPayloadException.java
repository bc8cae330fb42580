package io.cairn.core.partition;

/**
 * A payload does not decode: truncated, an unknown type or version, or lengths that do not add
 * up. Entries arrive CRC-checked from storage, so on the apply path this means a bug or a
 * damaged replica, never something to skip.
 */
public final class MalformedPayloadException extends IllegalArgumentException {
    public MalformedPayloadException(String message) {
        super(message);
    }
}
