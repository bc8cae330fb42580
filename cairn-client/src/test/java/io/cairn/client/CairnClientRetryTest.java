package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Redirect, Retry-After, failover and ambiguity handling of the client against real loopback HTTP servers. */
class CairnClientRetryTest {
    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
    private final List<Duration> waits = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private ScriptedServer server() throws IOException {
        ScriptedServer s = new ScriptedServer();
        toClose.add(s);
        return s;
    }

    private CairnClient client(CairnClientConfig.Builder b) {
        return new CairnClient(b.build(), waits::add);
    }

    private static CairnClientConfig.Builder config(String... urls) {
        return CairnClientConfig.builder().nodes(List.of(urls)).requestTimeout(Duration.ofSeconds(5));
    }

    /** A port nothing listens on: bound then released, so connecting is refused. */
    private static String deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void redirectKeepsMethodBodyAndQuery() throws Exception {
        ScriptedServer leader = server().then(ScriptedServer.produced(7, false));
        ScriptedServer follower = server().then(ScriptedServer.redirectTo(leader.url()));
        CairnClient c = client(config(follower.url()));

        ProduceResult r = c.produce("t", "payload-1", ProduceOptions.defaults().withKey("k1").withIdempotencyKey("id-1"));

        assertThat(r.offset()).isEqualTo(7);
        assertThat(r.nodeUrl()).isEqualTo(leader.url());
        assertThat(leader.seen).hasSize(1);
        ScriptedServer.Seen at = leader.seen.get(0);
        assertThat(at.method()).isEqualTo("POST");
        assertThat(at.body()).isEqualTo("payload-1");
        assertThat(at.query("idempotency_key")).isEqualTo("id-1");
        assertThat(at.query("key")).isEqualTo("k1");
    }

    @Test
    void redirectLoopIsBoundedAndReportedAsUnavailable() throws Exception {
        ScriptedServer a = server();
        ScriptedServer b = server();
        a.then(ScriptedServer.redirectTo(b.url()));
        b.then(ScriptedServer.redirectTo(a.url()));
        CairnClient c = client(config(a.url()).redirectHopsMax(3).attemptsMax(2));

        assertThatThrownBy(() -> c.consume("t", "g", 0, ConsumeOptions.from(0)))
                .isInstanceOf(CairnUnavailableException.class)
                .hasMessageContaining("redirect hops");
        // Two attempts, each: first request plus three hops, then the fourth hop is refused.
        assertThat(a.seen.size() + b.seen.size()).isEqualTo(2 * 4);
    }

    @Test
    void serviceUnavailableHonoursRetryAfterThenSucceeds() throws Exception {
        ScriptedServer s = server().then(ScriptedServer.unavailable("2")).then(ScriptedServer.produced(3, false));
        CairnClient c = client(config(s.url()));

        ProduceResult r = c.produce("t", "v", ProduceOptions.defaults());

        assertThat(r.offset()).isEqualTo(3);
        assertThat(waits).containsExactly(Duration.ofSeconds(2));
        assertThat(r.ambiguousAttempts()).isZero();
    }

    @Test
    void retryAfterIsCappedAndBudgetBounded() throws Exception {
        ScriptedServer s = server().then(ScriptedServer.unavailable("3600"));
        CairnClient c = client(config(s.url()).retryAfterMax(Duration.ofMillis(300)).attemptsMax(4));

        assertThatThrownBy(() -> c.listTopics()).isInstanceOf(CairnUnavailableException.class)
                .hasMessageContaining("503");
        assertThat(s.seen).hasSize(4);
        assertThat(waits).hasSize(3).allMatch(d -> d.equals(Duration.ofMillis(300)));
    }

    @Test
    void failsOverFromRefusedNodeAndRemembersTheLiveOne() throws Exception {
        ScriptedServer live = server().then(ScriptedServer.json(200, "{\"ok\":true,\"topics\":[{\"name\":\"a\",\"partitions\":3}]}"));
        CairnClient c = client(config(deadUrl(), live.url()));

        assertThat(c.listTopics()).containsExactly(new TopicSummary("a", 3));
        assertThat(c.listTopics()).hasSize(1);
        // The second call went straight to the live node.
        assertThat(live.seen).hasSize(2);
    }

    @Test
    void refusedEverywhereIsADefiniteFailureNotAnUnknownOutcome() throws Exception {
        CairnClient c = client(config(deadUrl(), deadUrl()).attemptsMax(3));

        assertThatThrownBy(() -> c.produce("t", "v", ProduceOptions.defaults()))
                .isInstanceOf(CairnUnavailableException.class);
    }

    @Test
    void lostAnswerIsRetriedWithTheSameGeneratedKeyAndReportsDuplicate() throws Exception {
        ScriptedServer s = server().then(ScriptedServer.hangUp()).then(ScriptedServer.produced(11, true));
        CairnClient c = client(config(s.url()));

        ProduceResult r = c.produce("t", "v", ProduceOptions.defaults());

        assertThat(s.seen).hasSize(2);
        String first = s.seen.get(0).query("idempotency_key");
        assertThat(first).isNotBlank();
        assertThat(s.seen.get(1).query("idempotency_key")).isEqualTo(first);
        assertThat(r.idempotencyKey()).isEqualTo(first);
        assertThat(r.duplicate()).isTrue();
        assertThat(r.offset()).isEqualTo(11);
        assertThat(r.ambiguousAttempts()).isEqualTo(1);
        assertThat(r.attempts()).isEqualTo(2);
    }

    @Test
    void timeoutIsAmbiguousAndRetriedOnAnotherNodeWithTheSameKey() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ScriptedServer slow = server().then((ex, seen) -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        ScriptedServer other = server().then(ScriptedServer.produced(4, true));
        CairnClient c = client(config(slow.url(), other.url()).requestTimeout(Duration.ofMillis(300)));
        try {
            ProduceResult r = c.produce("t", "v", ProduceOptions.defaults().withIdempotencyKey("mine").withTimeoutMs(100));
            assertThat(r.duplicate()).isTrue();
            assertThat(r.ambiguousAttempts()).isEqualTo(1);
            assertThat(other.seen.get(0).query("idempotency_key")).isEqualTo("mine");
            assertThat(other.seen.get(0).body()).isEqualTo("v");
        } finally {
            release.countDown();
        }
    }

    @Test
    void gatewayTimeoutWithUnknownOutcomeIsRetriedThenReportedUnknownWhenBudgetEnds() throws Exception {
        ScriptedServer s = server().then(ScriptedServer.json(504,
                "{\"ok\":false,\"error\":\"timeout\",\"outcome\":\"unknown\",\"message\":\"quorum not reached\"}"));
        CairnClient c = client(config(s.url()).attemptsMax(3));

        assertThatThrownBy(() -> c.produce("t", "v", ProduceOptions.defaults().withIdempotencyKey("k-504")))
                .isInstanceOfSatisfying(CairnOutcomeUnknownException.class,
                        e -> assertThat(e.idempotencyKey()).isEqualTo("k-504"));
        assertThat(s.seen).hasSize(3).allMatch(x -> "k-504".equals(x.query("idempotency_key")));
    }

    @Test
    void badRequestIsNotRetried() throws Exception {
        ScriptedServer s = server().then(ScriptedServer.json(400,
                "{\"ok\":false,\"error\":\"bad_partition\",\"message\":\"partition 9 does not exist\"}"));
        CairnClient c = client(config(s.url()));

        assertThatThrownBy(() -> c.produce("t", "v", ProduceOptions.defaults().withPartition(9)))
                .isInstanceOfSatisfying(CairnErrorException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error()).isEqualTo("bad_partition");
                });
        assertThat(s.seen).hasSize(1);
    }

    @Test
    void directReadRefusesToFollowRedirects() throws Exception {
        ScriptedServer s = server().then(ScriptedServer.redirectTo("http://127.0.0.1:1"));
        CairnClient c = client(config(s.url()).followRedirects(false).failover(false));

        assertThatThrownBy(() -> c.consume("t", "g", 0, ConsumeOptions.from(0)))
                .isInstanceOfSatisfying(CairnNotLeaderException.class, e -> assertThat(e.leaderId()).isEqualTo("n2"));
    }

    @Test
    void absoluteRequestTimeoutGivesUpBeforeTheServerWaitAndReportsUnknown() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ScriptedServer slow = server().then((ex, seen) -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        CairnClient c = client(config(slow.url()).requestTimeout(Duration.ofMillis(100)).extendTimeoutByServerWait(false).attemptsMax(1));
        try {
            assertThatThrownBy(() -> c.produce("t", "v", ProduceOptions.defaults().withTimeoutMs(8000)))
                    .isInstanceOf(CairnOutcomeUnknownException.class);
            // Had the 8 s server wait been added, the call could not have ended before the latch's 10 s.
            assertThat(release.getCount()).isEqualTo(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void definiteErrorAfterALostAnswerKeepsTheCallUnknown() throws Exception {
        ScriptedServer s = server().then(ScriptedServer.hangUp()).then(ScriptedServer.json(404,
                "{\"ok\":false,\"error\":\"topic_not_found\",\"message\":\"no topic 't'\"}"));
        CairnClient c = client(config(s.url()));

        assertThatThrownBy(() -> c.produce("t", "v", ProduceOptions.defaults().withIdempotencyKey("k-lost")))
                .isInstanceOfSatisfying(CairnOutcomeUnknownException.class, e -> {
                    assertThat(e.idempotencyKey()).isEqualTo("k-lost");
                    assertThat(e.getCause()).isInstanceOf(CairnErrorException.class);
                });
    }
}
