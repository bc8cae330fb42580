package io.cairn.server.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A bearer token: a name for logs, the secret clients send, and its scopes
 * ({@code admin}, {@code produce:<topic-glob>}, {@code consume:<topic-glob>}).
 * Written {@code NAME:SECRET:scope1,scope2}.
 */
public record TokenSpec(String name, byte[] secret, List<String> scopes) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern SCOPE = Pattern.compile("admin|(produce|consume):[A-Za-z0-9._*?-]{1,249}");
    /** Shorter secrets are guessable; a hex-encoded 128-bit random value is 32 characters. */
    static final int SECRET_CHARS_MIN = 16;

    public static TokenSpec parse(String text, String source) {
        String[] parts = text.trim().split(":", 3);
        if (parts.length != 3) {
            throw new ConfigException(source + ": token '" + redact(text)
                + "' is malformed (expected NAME:SECRET:scope1,scope2, e.g. ingest:0123456789abcdef:produce:sensors.*)");
        }
        String name = parts[0];
        String secret = parts[1];
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException(source + ": token name '" + name + "' must match [A-Za-z0-9._-]{1,64}");
        }
        if (secret.length() < SECRET_CHARS_MIN || secret.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new ConfigException(source + ": the secret of token '" + name + "' must be at least "
                + SECRET_CHARS_MIN + " printable ASCII characters without spaces");
        }
        List<String> scopes = new ArrayList<>();
        for (String scope : parts[2].split(",")) {
            String s = scope.trim();
            if (!SCOPE.matcher(s).matches()) {
                throw new ConfigException(source + ": token '" + name + "' has invalid scope '" + s
                    + "' (expected admin, produce:<topic-glob> or consume:<topic-glob>)");
            }
            scopes.add(s);
        }
        return new TokenSpec(name, secret.getBytes(StandardCharsets.US_ASCII), List.copyOf(scopes));
    }

    private static String redact(String text) {
        int first = text.indexOf(':');
        return first < 0 ? "…" : text.substring(0, first) + ":…";
    }

    @Override
    public String toString() {
        return "TokenSpec[" + name + ", scopes=" + scopes + "]"; // never log the secret
    }
}
