package io.cairn.server.it;

import io.cairn.core.NodeId;
import io.cairn.server.config.NodeConfig;
import io.cairn.server.node.CairnNode;
import io.cairn.server.replica.ReplicaFactory;
import io.cairn.server.replica.ReplicaOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * API.md's 429: a bound that is full answers {@code overloaded} with {@code Retry-After} and
 * changes nothing. The bound used is the long-poll waiters per partition, set to one on a real
 * node (the same replica code, with a smaller bound), so that a second waiter is refused.
 */
class OverloadIT {
    @TempDir
    Path dir;
    private CairnNode node;

    @AfterEach
    void tearDown() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aFullLongPollBoundIs429WithRetryAfterAndTheWaitingConsumerIsServed() throws Exception {
        var config = NodeConfig.builder().host("127.0.0.1").port(0).dataDir(dir).build();
        node = CairnNode.start(config, (c, metrics) -> new ReplicaFactory(
            ReplicaOptions.defaults(NodeId.of(c.nodeId())).withConsumeWaitersMax(1), metrics));
        node.recovered().get(60, TimeUnit.SECONDS);
        var http = new Http(node.baseUrl());
        assertThat(http.createTopic("t", 1).status()).isEqualTo(201);

        // The waiter retries a refusal (the probes below may briefly hold the one slot).
        var waiting = CompletableFuture.supplyAsync(() -> {
            for (int i = 0; i < 1_000; i++) {
                var r = http.consume("t", "g", 0, "offset=0&wait_ms=30000");
                if (r.status() != 429) {
                    return r;
                }
            }
            throw new AssertionError("the waiter was refused 1,000 times");
        });
        // Probe with 1 ms polls until one is refused: then the waiter holds the slot.
        AtomicReference<Http.Reply> refused = new AtomicReference<>();
        Await.until("a second long poll is refused", Duration.ofSeconds(20), () -> {
            var r = http.consume("t", "g", 0, "offset=0&wait_ms=1");
            assertThat(r.status()).as(r.toString()).isIn(200, 429);
            if (r.status() == 429) {
                refused.set(r);
                return true;
            }
            return false;
        });
        var r = refused.get();
        assertThat(r.error()).isEqualTo("overloaded");
        assertThat(r.header("Retry-After")).isNotNull();
        assertThat(r.json().path("message").asText()).contains("long-poll");
        // A read that needs no waiting is not affected by the full bound.
        assertThat(http.consume("t", "g", 0, "offset=0").status()).isEqualTo(200);

        assertThat(http.produce("t", "partition=0", "wake").status()).isEqualTo(200);
        var served = waiting.get(30, TimeUnit.SECONDS);
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.json().path("messages").findValuesAsText("value")).containsExactly("wake");
        assertThat(http.get("/broker/topics/t").json().path("partitions").get(0).path("high_watermark").asLong())
            .isEqualTo(1);
    }
}
