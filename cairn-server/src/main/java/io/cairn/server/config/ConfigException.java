package io.cairn.server.config;

/** An unusable or inconsistent setting; the message is one line a user can act on. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
