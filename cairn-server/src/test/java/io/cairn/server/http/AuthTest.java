package io.cairn.server.http;

import io.cairn.server.config.TokenSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuthTest {
    private final Auth auth = new Auth(List.of(
        TokenSpec.parse("root:0123456789abcdef:admin", "test"),
        TokenSpec.parse("app:abcdefabcdefabcdef:produce:orders.*,consume:orders.eu?", "test")));

    @Test
    void openWhenNoTokens() {
        var open = new Auth(List.of());
        assertThat(open.enabled()).isFalse();
        assertThat(open.authenticate(null).admin()).isTrue();
    }

    @Test
    void missingOrWrongTokenIs401() {
        assertThatThrownBy(() -> auth.authenticate(null)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status.code()).isEqualTo(401);
            assertThat(e.code).isEqualTo("missing_token");
            assertThat(e.headers).containsKey("WWW-Authenticate");
        });
        assertThatThrownBy(() -> auth.authenticate("Bearer 0123456789abcdeX"))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code).isEqualTo("invalid_token"));
        assertThatThrownBy(() -> auth.authenticate("Basic 0123456789abcdef"))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status.code()).isEqualTo(401));
    }

    @Test
    void scopesAreGlobsPerAction() {
        var app = auth.authenticate("bearer abcdefabcdefabcdef");
        assertThat(app.name()).isEqualTo("app");
        assertThat(app.allows(Auth.Action.PRODUCE, "orders.eu")).isTrue();
        assertThat(app.allows(Auth.Action.PRODUCE, "ordersX")).isFalse();
        assertThat(app.allows(Auth.Action.CONSUME, "orders.eu1")).isTrue();
        assertThat(app.allows(Auth.Action.CONSUME, "orders.eu12")).isFalse();
        assertThatThrownBy(app::requireAdmin).isInstanceOfSatisfying(ApiException.class,
            e -> assertThat(e.status.code()).isEqualTo(403));
        assertThatThrownBy(() -> app.require(Auth.Action.CONSUME, "orders.us"))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code).isEqualTo("forbidden"));
        var root = auth.authenticate("Bearer 0123456789abcdef");
        assertThat(root.allows(Auth.Action.CONSUME, "anything")).isTrue();
    }

    @Test
    void globMetacharactersInTopicNamesAreLiteral() {
        var a = new Auth(List.of(TokenSpec.parse("t:abcdefabcdefabcdef:consume:a.b", "test")));
        var p = a.authenticate("Bearer abcdefabcdefabcdef");
        assertThat(p.allows(Auth.Action.CONSUME, "a.b")).isTrue();
        assertThat(p.allows(Auth.Action.CONSUME, "aXb")).isFalse();
    }
}
