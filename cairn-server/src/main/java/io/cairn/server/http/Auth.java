package io.cairn.server.http;

import io.cairn.server.config.TokenSpec;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Bearer tokens with scopes. With no tokens configured every request is allowed (the node logs a
 * warning at start). Secrets are compared in constant time, and every configured token is compared
 * on every request, so response timing reveals neither a secret's prefix nor which token matched.
 */
final class Auth {
    /** The principal of an open node: everything is allowed. */
    static final Principal OPEN = new Principal("open", List.of(), true);

    private final List<TokenSpec> tokens;
    private final List<Principal> principals;

    Auth(List<TokenSpec> tokens) {
        this.tokens = tokens;
        this.principals = tokens.stream().map(t -> new Principal(t.name(), t.scopes().stream()
            .filter(s -> !s.equals("admin")).map(Scope::parse).toList(), t.scopes().contains("admin"))).toList();
    }

    boolean enabled() {
        return !tokens.isEmpty();
    }

    /** The token's principal; 401 when the header is missing or no token matches. */
    Principal authenticate(String authorization) {
        if (!enabled()) {
            return OPEN;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("missing_token", "this node requires 'Authorization: Bearer <token>'");
        }
        byte[] presented = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        Principal match = null;
        for (int i = 0; i < tokens.size(); i++) {
            // No early exit: the time taken does not depend on which token (if any) matched.
            if (MessageDigest.isEqual(tokens.get(i).secret(), presented) && match == null) {
                match = principals.get(i);
            }
        }
        if (match == null) {
            throw unauthorized("invalid_token", "the bearer token is not valid on this node");
        }
        return match;
    }

    private static ApiException unauthorized(String code, String message) {
        return new ApiException(HttpResponseStatus.UNAUTHORIZED, code, message,
            Map.of("WWW-Authenticate", "Bearer realm=\"cairn\""));
    }

    enum Action { PRODUCE, CONSUME }

    /** What a token may do: everything with {@code admin}, else its produce/consume globs. */
    record Principal(String name, List<Scope> scopes, boolean admin) {
        void requireAdmin() {
            if (!admin) {
                throw new ApiException(HttpResponseStatus.FORBIDDEN, "forbidden",
                    "token '" + name + "' lacks the 'admin' scope this route needs");
            }
        }

        boolean allows(Action action, String topic) {
            if (admin) {
                return true;
            }
            for (Scope s : scopes) {
                if (s.action() == action && s.topicGlob().matcher(topic).matches()) {
                    return true;
                }
            }
            return false;
        }

        void require(Action action, String topic) {
            if (allows(action, topic)) {
                return;
            }
            String scope = action.name().toLowerCase(java.util.Locale.ROOT) + ":" + topic;
            throw new ApiException(HttpResponseStatus.FORBIDDEN, "forbidden",
                "token '" + name + "' lacks a scope matching '" + scope + "'");
        }
    }

    /** {@code produce:<glob>} or {@code consume:<glob>}; {@code *} is any run of characters, {@code ?} one. */
    record Scope(Action action, Pattern topicGlob) {
        static Scope parse(String text) {
            int colon = text.indexOf(':');
            Action a = Action.valueOf(text.substring(0, colon).toUpperCase(java.util.Locale.ROOT));
            var regex = new StringBuilder();
            for (char c : text.substring(colon + 1).toCharArray()) {
                switch (c) {
                    case '*' -> regex.append(".*");
                    case '?' -> regex.append('.');
                    default -> regex.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return new Scope(a, Pattern.compile(regex.toString()));
        }
    }
}
