package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real Cairn node process on loopback. */
class CairnClientIT {
    @TempDir
    static Path dir;

    static RealNode node;
    static CairnClient client;

    @BeforeAll
    static void start() throws Exception {
        node = RealNode.start(dir);
        client = new CairnClient(CairnClientConfig.builder().node(node.url()).requestTimeout(Duration.ofSeconds(5)).build());
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static String deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void topicsCreateListDescribeAndBadInput() {
        TopicCreated t = client.createTopic("it-topics", 3, null);
        assertThat(t.created()).isTrue();
        assertThat(t.partitions()).isEqualTo(3);
        assertThat(client.createTopic("it-topics", 3, null).created()).as("identical create is 200").isFalse();
        assertThat(client.listTopics()).contains(new TopicSummary("it-topics", 3));
        assertThat(client.describeTopic("it-topics").path("partitions").size()).isEqualTo(3);
        assertThatThrownBy(() -> client.createTopic("it-topics", 5, null))
                .isInstanceOfSatisfying(CairnErrorException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThatThrownBy(() -> client.createTopic("bad name!", 1, null))
                .isInstanceOfSatisfying(CairnErrorException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> client.describeTopic("no-such-topic"))
                .isInstanceOfSatisfying(CairnErrorException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void produceConsumeAndIdempotentRetry() {
        client.createTopic("it-produce", 1, null);
        ProduceResult a = client.produce("it-produce", "first", ProduceOptions.defaults().withPartition(0).withKey("k").withIdempotencyKey("id-1"));
        ProduceResult again = client.produce("it-produce", "first", ProduceOptions.defaults().withPartition(0).withKey("k").withIdempotencyKey("id-1"));
        ProduceResult b = client.produce("it-produce", new byte[] {0, (byte) 0xff}, ProduceOptions.defaults().withPartition(0).withAcks(Acks.ALL));

        assertThat(a.duplicate()).isFalse();
        assertThat(again.duplicate()).isTrue();
        assertThat(again.offset()).isEqualTo(a.offset());
        assertThat(b.offset()).isEqualTo(a.offset() + 1);
        ConsumeResult page = client.consume("it-produce", "g", 0, ConsumeOptions.from(a.offset()));
        assertThat(page.messages()).hasSize(2);
        assertThat(page.messages().get(0).valueAsString()).isEqualTo("first");
        assertThat(page.messages().get(0).keyAsString()).isEqualTo("k");
        assertThat(page.messages().get(1).value()).containsExactly(0, 0xff);
        assertThat(page.nextOffset()).isEqualTo(b.offset() + 1);
    }

    @Test
    void batchIsOneAtomicWriteWithDenseOffsets() {
        client.createTopic("it-batch", 1, null);
        BatchResult r = client.produceBatch("it-batch", List.of(BatchRecord.of("x", null, "bx"), BatchRecord.of("y", "ky", null),
                BatchRecord.ofBytes(new byte[] {1, 2, 3}, null, null)), 0, null, null);

        assertThat(r.results()).extracting(BatchResult.Entry::offset).containsExactly(r.firstOffset(), r.firstOffset() + 1, r.firstOffset() + 2);
        ConsumeResult page = client.consume("it-batch", "g", 0, ConsumeOptions.from(r.firstOffset()));
        assertThat(page.messages()).extracting(Message::valueAsString).startsWith("x", "y");
        assertThat(page.messages().get(2).value()).containsExactly(1, 2, 3);
        BatchResult dup = client.produceBatch("it-batch", List.of(BatchRecord.of("x", null, "bx")), 0, null, null);
        assertThat(dup.results().get(0)).isEqualTo(new BatchResult.Entry(r.firstOffset(), true));
    }

    @Test
    void commitMovesTheGroupAndNeverBackwards() {
        client.createTopic("it-commit", 1, null);
        for (int i = 0; i < 5; i++) {
            client.produce("it-commit", "v" + i, ProduceOptions.defaults().withPartition(0));
        }
        CommitResult c = client.commit("it-commit", "grp", 0, 2);
        assertThat(c.committedOffset()).isEqualTo(2);
        assertThat(c.advanced()).isTrue();
        ConsumeResult next = client.consume("it-commit", "grp", 0, ConsumeOptions.defaults());
        assertThat(next.messages().get(0).offset()).isEqualTo(3);
        assertThat(next.committedOffset()).isEqualTo(2);
        CommitResult back = client.commit("it-commit", "grp", 0, 1);
        assertThat(back.advanced()).isFalse();
        assertThat(back.committedOffset()).isEqualTo(2);
        assertThatThrownBy(() -> client.commit("it-commit", "grp", 0, 99))
                .isInstanceOfSatisfying(CairnErrorException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void longPollReturnsARecordProducedWhileWaiting() throws Exception {
        client.createTopic("it-poll", 1, null);
        long hw = client.consume("it-poll", "g", 0, ConsumeOptions.from(0)).highWatermark();
        CompletableFuture<ConsumeResult> poll = CompletableFuture.supplyAsync(
                () -> client.consume("it-poll", "g", 0, ConsumeOptions.from(hw).withWaitMs(20_000)));
        ProduceResult p = client.produce("it-poll", "late", ProduceOptions.defaults().withPartition(0));
        ConsumeResult r = poll.get(30, TimeUnit.SECONDS);
        // Either the poll was parked and woke on the write, or it arrived after it; both return the record.
        assertThat(r.messages()).extracting(Message::offset).containsExactly(p.offset());
    }

    @Test
    void failsOverFromADeadNodeAndReportsClusterAndReady() throws Exception {
        CairnClient c = new CairnClient(CairnClientConfig.builder().nodes(List.of(deadUrl(), node.url())).build());
        c.createTopic("it-failover", 1, null);
        assertThat(c.produce("it-failover", "v", ProduceOptions.defaults()).nodeUrl()).isEqualTo(node.url());
        ClusterInfo info = c.cluster();
        assertThat(info.nodeId()).isNotBlank();
        assertThat(info.metadataLeader()).isEqualTo(info.nodeId());
        assertThat(client.ready()).isTrue();
    }

    @Test
    void writeToAFrozenNodeIsUnknownNotFailedAndItsRetryLandsExactlyOnce() throws Exception {
        client.createTopic("it-ambiguous", 1, null);
        CairnClient impatient = new CairnClient(CairnClientConfig.builder().node(node.url())
                .requestTimeout(Duration.ofMillis(400)).attemptsMax(2).backoffInitial(Duration.ZERO).build());
        ProduceOptions opts = ProduceOptions.defaults().withPartition(0).withIdempotencyKey("frozen-1").withTimeoutMs(100);
        node.signal("STOP");
        try {
            assertThatThrownBy(() -> impatient.produce("it-ambiguous", "frozen-value", opts))
                    .isInstanceOfSatisfying(CairnOutcomeUnknownException.class, e -> assertThat(e.idempotencyKey()).isEqualTo("frozen-1"));
        } finally {
            node.signal("CONT");
        }
        ProduceResult r = client.produce("it-ambiguous", "frozen-value", opts.withTimeoutMs(5000));
        ConsumeResult all = client.consume("it-ambiguous", "g", 0, ConsumeOptions.from(0).withLimit(100));
        assertThat(all.messages()).filteredOn(m -> m.valueAsString().equals("frozen-value")).hasSize(1)
                .first().extracting(Message::offset).isEqualTo(r.offset());
    }
}
