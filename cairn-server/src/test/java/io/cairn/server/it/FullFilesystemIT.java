package io.cairn.server.it;

import io.cairn.server.testsupport.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Disk pressure over HTTP on a filesystem that is really full (not the --max-disk-bytes bound,
 * which {@link DiskFullIT} covers): a node whose data directory is a small tmpfs answers
 * produce with 507 and a clear message, serves every acknowledged record, resumes writing by
 * itself once space is freed, and finds everything intact after a restart.
 *
 * <p>Mounting a tmpfs needs root (or CAP_SYS_ADMIN); CI runs as root. Where the mount is refused
 * the test is skipped, saying why.
 */
class FullFilesystemIT {
    private static final int VALUE_BYTES = 32 * 1024;
    /** Bound on produce attempts while filling, so a node that never refuses cannot loop forever. */
    private static final int FILL_ATTEMPTS_MAX = 1_000;

    @TempDir
    Path tmp;
    private Tmpfs tmpfs;
    private TestNode node;
    private volatile String lastAnswer = "";

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.close();
        }
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    private Path mountTmpfs(String size) throws Exception {
        tmpfs = Tmpfs.mountOrSkip(tmp.resolve("tmpfs"), size, "the --max-disk-bytes test (DiskFullIT) still runs");
        return tmpfs.dir();
    }

    private static String value(int i) {
        char[] v = new char[VALUE_BYTES];
        Arrays.fill(v, (char) ('a' + i % 26));
        String id = "record-" + i + "-";
        id.getChars(0, id.length(), v, 0);
        return new String(v);
    }

    /** Writes zeros into {@code file} until the filesystem refuses more; returns the bytes written. */
    private static long fillUntilEnospc(Path file) {
        long written = 0;
        byte[] chunk = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 1_000_000; i++) {
                out.write(chunk);
                out.flush();
                written += chunk.length;
            }
            throw new AssertionError("the tmpfs never filled");
        } catch (IOException expected) {
            assertThat(expected.getMessage()).contains("No space left");
            return written;
        }
    }

    private void assertAllReadable(Http http, List<String> acked) {
        long next = 0;
        for (int pages = 0; pages < 1_000 && next < acked.size(); pages++) {
            var page = http.consume("t", "reader", 0, "offset=" + next + "&limit=20");
            assertThat(page.status()).as("consume on a full disk: %s", page).isEqualTo(200);
            for (var m : page.json().path("messages")) {
                assertThat(m.path("offset").asLong()).isEqualTo(next);
                assertThat(m.path("value").asText()).as("record at offset %d", next).isEqualTo(acked.get((int) next));
                next++;
            }
        }
        assertThat(next).as("records read back").isEqualTo(acked.size());
    }

    @Test
    void aReallyFullDataDiskIs507ReadsWorkAndWritesResumeWhenSpaceIsFreed() throws Exception {
        Path mnt = mountTmpfs("8m");
        // Something else on the same disk: deleting it later is what frees the space.
        Path other = mnt.resolve("other-application.dat");
        Files.write(other, new byte[2 << 20]);
        node = TestNode.start(mnt.resolve("data"), b -> {
            b.segmentBytes(256 * 1024);
            b.maxRecordBytes(64 * 1024);
        });
        Http http = node.http();
        assertThat(http.createTopic("t", 1).status()).isEqualTo(201);

        // Produce until the node refuses: every answer is 200 at the next offset, or 507.
        List<String> acked = new ArrayList<>();
        Http.Reply refused = null;
        for (int i = 0; i < FILL_ATTEMPTS_MAX && refused == null; i++) {
            var r = http.produce("t", "partition=0", value(i));
            if (r.status() == 200) {
                assertThat(r.json().path("offset").asLong()).isEqualTo(acked.size());
                acked.add(value(i));
            } else {
                refused = r;
            }
        }
        assertThat(refused).as("the node refused a write before %d attempts", FILL_ATTEMPTS_MAX).isNotNull();
        assertThat(refused.status()).as(refused.toString()).isEqualTo(507);
        assertThat(refused.error()).isEqualTo("disk_full");
        assertThat(refused.json().path("message").asText()).contains("bytes free").contains("nothing was written");
        assertThat(acked).isNotEmpty();

        // Now fill what is left, to the last block: the filesystem itself says ENOSPC.
        Path filler = mnt.resolve("filler");
        long fillerBytes = fillUntilEnospc(filler);
        assertThat(Files.getFileStore(mnt).getUsableSpace()).isLessThan(64 * 1024);

        var again = http.produce("t", "partition=0", value(9999));
        assertThat(again.status()).as(again.toString()).isEqualTo(507);
        assertThat(again.error()).isEqualTo("disk_full");
        var ndjson = http.post("/broker/topics/t/produce-ndjson?partition=0", "1\n2\n".getBytes(), null);
        assertThat(ndjson.status()).as(ndjson.toString()).isEqualTo(507);
        assertAllReadable(http, acked);
        // A commit needs a few bytes too; on a disk with none it may be refused, but it must not
        // break anything: the answer is a definite 200 or 507 and reads keep working afterwards.
        var commit = http.postJson("/broker/commit", "{\"topic\":\"t\",\"group\":\"g\",\"partition\":0,\"offset\":0}");
        System.out.println("FullFilesystemIT: commit on a full disk answered " + commit);
        assertThat(commit.status()).as(commit.toString()).isIn(200, 507);
        assertAllReadable(http, acked);
        var describe = http.get("/broker/topics/t");
        assertThat(describe.status()).isEqualTo(200);
        assertThat(describe.json().path("partitions").get(0).path("high_watermark").asLong()).isEqualTo(acked.size());

        // Free the space: writes resume by themselves, at the next offset, without a restart.
        Files.delete(filler);
        Files.delete(other);
        String resumed = value(10_000);
        Await.until("writes resume after " + (fillerBytes + (2 << 20)) + " bytes were freed", Duration.ofSeconds(30), () -> {
            var r = http.produce("t", "partition=0&idempotency_key=resume", resumed);
            lastAnswer = r.toString();
            if (r.status() == 200) {
                assertThat(r.json().path("offset").asLong()).isEqualTo(acked.size());
                return true;
            }
            assertThat(r.status()).as(lastAnswer).isIn(503, 507);
            return false;
        }, () -> lastAnswer);
        acked.add(resumed);
        assertAllReadable(http, acked);

        // Nothing on disk was damaged: after a restart every acknowledged record is there.
        node.restart();
        Http after = node.http();
        assertThat(after.get("/broker/topics/t").json().path("partitions").get(0).path("high_watermark").asLong())
            .isEqualTo(acked.size());
        assertAllReadable(after, acked);
        if (commit.status() == 200) {
            assertThat(after.consume("t", "g", 0, "limit=1").json().path("committed_offset").asLong())
                .as("the commit acknowledged on the full disk").isZero();
        }
        assertThat(after.produce("t", "partition=0", "after-restart").json().path("offset").asLong())
            .isEqualTo(acked.size());
    }
}
