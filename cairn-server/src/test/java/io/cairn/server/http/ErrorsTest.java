package io.cairn.server.http;

import io.cairn.server.broker.BrokerException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** Every broker failure maps to API.md's status, error code and headers. */
class ErrorsTest {
    private static String body(Response r) {
        return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void notLeaderRedirectsToTheSamePathAndQueryAtTheLeader() {
        var r = Errors.toResponse(new CompletionException(new BrokerException.NotLeader("n2", "http://10.0.0.2:7002/")),
            "POST", "/broker/topics/t/produce?key=a&acks=all");
        assertThat(r.status().code()).isEqualTo(307);
        assertThat(r.headers()).containsEntry("Location", "http://10.0.0.2:7002/broker/topics/t/produce?key=a&acks=all");
        assertThat(body(r)).contains("\"error\":\"not_leader\"").contains("\"leader_id\":\"n2\"")
            .contains("\"leader_url\":\"http://10.0.0.2:7002\"").contains("\"ok\":false");
    }

    @Test
    void notLeaderWithoutAKnownLeaderIs503() {
        var r = Errors.toResponse(new BrokerException.NotLeader(null, null), "POST", "/x");
        assertThat(r.status().code()).isEqualTo(503);
        assertThat(r.headers()).containsKey("Retry-After");
    }

    @Test
    void statusCodesAndRetryAfter() {
        assertThat(Errors.toResponse(new BrokerException.Unavailable("no_leader", "m", 2500), "GET", "/").headers())
            .containsEntry("Retry-After", "3");
        var overloaded = Errors.toResponse(new BrokerException.Overloaded("queue full"), "POST", "/");
        assertThat(overloaded.status().code()).isEqualTo(429);
        assertThat(overloaded.headers()).containsKey("Retry-After");
        assertThat(Errors.toResponse(new BrokerException.DiskFull("full"), "POST", "/").status().code()).isEqualTo(507);
        var unknown = Errors.toResponse(new BrokerException.OutcomeUnknown("quorum lost"), "POST", "/");
        assertThat(unknown.status().code()).isEqualTo(504);
        assertThat(body(unknown)).contains("\"outcome\":\"unknown\"");
        var ourTimeout = Errors.toResponse(new TimeoutException(), "POST", "/");
        assertThat(ourTimeout.status().code()).isEqualTo(504);
        assertThat(body(ourTimeout)).contains("\"outcome\":\"unknown\"");
        assertThat(Errors.toResponse(new BrokerException.Conflict("c", "m"), "POST", "/").status().code()).isEqualTo(409);
        assertThat(Errors.toResponse(new BrokerException.StorageFailed("fsync"), "POST", "/").status().code()).isEqualTo(503);
    }

    @Test
    void unexpectedExceptionsAreAGeneric500WithoutDetails() {
        var r = Errors.toResponse(new IllegalStateException("secret internals"), "GET", "/");
        assertThat(r.status().code()).isEqualTo(500);
        assertThat(body(r)).contains("internal_error").doesNotContain("secret internals");
    }
}
