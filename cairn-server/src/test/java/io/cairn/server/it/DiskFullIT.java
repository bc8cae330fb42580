package io.cairn.server.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The --max-disk-bytes bound: 507 beyond it, reads keep working, writes resume once space is freed. */
class DiskFullIT {
    @TempDir
    Path dir;
    TestNode node;
    volatile String lastRefusal;
    Http http;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir, b -> {
            b.segmentBytes(4096);
            b.maxRecordBytes(1024);
            b.maxDiskBytes(32 * 1024);
        });
        http = node.http();
        http.createTopic("t", 1);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void overTheBoundProduceIs507AndEverythingWrittenStaysReadable() {
        String v = "d".repeat(1000);
        long acked = 0;
        Http.Reply last = null;
        for (int i = 0; i < 200; i++) {
            last = http.produce("t", "partition=0", v);
            if (last.status() != 200) {
                break;
            }
            assertThat(last.json().path("offset").asLong()).isEqualTo(acked);
            acked++;
        }
        assertThat(last.status()).as(last.toString()).isEqualTo(507);
        assertThat(last.error()).isEqualTo("disk_full");
        assertThat(acked).isPositive();

        // Reads keep working and every acknowledged record is intact.
        long next = 0;
        while (next < acked) {
            var page = http.consume("t", "g", 0, "offset=" + next + "&limit=50").json();
            for (var m : page.path("messages")) {
                assertThat(m.path("offset").asLong()).isEqualTo(next);
                assertThat(m.path("value").asText()).isEqualTo(v);
                next++;
            }
            assertThat(page.path("count").asInt()).isPositive();
        }
        assertThat(http.produce("t", "partition=0", v).status()).isEqualTo(507);

        // Freeing space lets writes resume without a restart.
        var freed = http.postJson("/broker/delete-before", "{\"topic\":\"t\",\"partition\":0,\"before_offset\":" + acked + "}");
        assertThat(freed.status()).as(freed.toString()).isEqualTo(200);
        assertThat(freed.json().path("freed_bytes").asLong()).isPositive();
        Await.until("writes resume", java.time.Duration.ofSeconds(10), () -> {
            var r = http.produce("t", "partition=0", v);
            lastRefusal = r.toString() + " " + http.get("/broker/topics/t").body();
            return r.status() == 200;
        }, () -> lastRefusal);
    }
}
