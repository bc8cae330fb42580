package io.cairn.server.http;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouterTest {
    private final Router.Handler h = ex -> CompletableFuture.completedFuture(null);
    private final Router router = new Router()
        .add(HttpMethod.GET, "/broker/topics", Router.Access.OPEN, Router.Body.NONE, Set.of(), h)
        .add(HttpMethod.POST, "/broker/topics", Router.Access.OPEN, Router.Body.JSON, Set.of(), h)
        .add(HttpMethod.GET, "/broker/topics/{topic}", Router.Access.OPEN, Router.Body.NONE, Set.of(), h)
        .add(HttpMethod.GET, "/broker/consume/{topic}/{group}/{partition}", Router.Access.OPEN, Router.Body.NONE, Set.of(), h);

    @Test
    void bindsPathParametersAndDecodesEscapes() {
        var m = router.match(HttpMethod.GET, "/broker/consume/or%2Eders/g+1/3");
        assertThat(m.route().template()).isEqualTo("/broker/consume/{topic}/{group}/{partition}");
        assertThat(m.pathParams()).containsEntry("topic", "or.ders").containsEntry("group", "g+1").containsEntry("partition", "3");
    }

    @Test
    void trailingSlashIsTheSameRoute() {
        assertThat(router.match(HttpMethod.GET, "/broker/topics/").route().template()).isEqualTo("/broker/topics");
    }

    @Test
    void wrongMethodIs405WithAllow() {
        assertThatThrownBy(() -> router.match(HttpMethod.DELETE, "/broker/topics"))
            .isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status.code()).isEqualTo(405);
                assertThat(e.headers).containsEntry("Allow", "GET, POST");
            });
    }

    @Test
    void unknownPathIs404() {
        assertThatThrownBy(() -> router.match(HttpMethod.GET, "/broker/nope"))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status.code()).isEqualTo(404));
        assertThatThrownBy(() -> router.match(HttpMethod.GET, "/broker/topics//"))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status.code()).isEqualTo(404));
    }

    @Test
    void splitsPathsKeepingEmptySegments() {
        assertThat(Router.splitPath("/broker/topics")).containsExactly("broker", "topics");
        assertThat(Router.splitPath("/broker/topics/")).containsExactly("broker", "topics");
        assertThat(Router.splitPath("/a//b")).containsExactly("a", "", "b");
        assertThat(Router.splitPath("/")).containsExactly("");
        assertThat(Router.splitPath("")).containsExactly("");
    }

    @Test
    void routesWithoutParametersBindNone() {
        assertThat(router.match(HttpMethod.GET, "/broker/topics").pathParams()).isEmpty();
        assertThat(router.match(HttpMethod.GET, "/broker/topics/a+b").pathParams()).containsEntry("topic", "a+b");
    }
}
