package io.cairn.server.replica;

import io.cairn.server.testsupport.Tmpfs;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionFactory.PartitionSettings;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.ConsumeResult;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;
import io.cairn.server.broker.PartitionHandle.RecordResult;
import io.cairn.server.broker.PartitionHandle.StoredRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.cairn.server.replica.ReplicaHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Disk pressure: when the log would exceed its size bound, or the filesystem is really full,
 * produce fails with DiskFull (507), what was acknowledged stays readable and intact, and writes
 * resume by themselves once space is freed.
 */
class DiskFullIT {
    private static final PartitionSettings SMALL_SEGMENTS = new PartitionSettings(8192, 0, 1 << 20, 600_000, 1_000_000);
    /** Bound on produce attempts while filling a disk, so a bug cannot loop forever. */
    private static final int FILL_ATTEMPTS_MAX = 20_000;

    @TempDir
    Path tmp;

    private ReplicaHarness harness;
    private Tmpfs tmpfs;

    @AfterEach
    void tearDown() throws Exception {
        if (harness != null) {
            harness.close();
        }
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    /** Produces batches until DiskFull; returns every acknowledged record by offset. */
    private static Map<Long, byte[]> fillUntilDiskFull(PartitionHandle p, int valueBytes, String tag) throws Exception {
        Map<Long, byte[]> acked = new LinkedHashMap<>();
        for (int i = 0; i < FILL_ATTEMPTS_MAX; i++) {
            List<ProduceRecord> batch = new ArrayList<>();
            for (int j = 0; j < 4; j++) {
                byte[] v = new byte[valueBytes];
                Arrays.fill(v, (byte) ('a' + (i + j) % 26));
                byte[] id = (tag + i + "/" + j).getBytes();
                System.arraycopy(id, 0, v, 0, Math.min(id.length, v.length));
                batch.add(new ProduceRecord(null, v, tag + "-" + i + "-" + j));
            }
            try {
                List<RecordResult> rs = await(p.produce(batch, PartitionHandle.Acks.MAJORITY, 10_000)).results();
                for (int j = 0; j < rs.size(); j++) {
                    acked.put(rs.get(j).offset(), batch.get(j).value());
                }
            } catch (BrokerException.DiskFull e) {
                assertThat(e.code()).isEqualTo("disk_full");
                return acked;
            }
        }
        throw new AssertionError("the disk never filled after " + FILL_ATTEMPTS_MAX + " batches");
    }

    private static void assertAllReadable(PartitionHandle p, Map<Long, byte[]> acked) throws Exception {
        Map<Long, byte[]> read = new LinkedHashMap<>();
        long next = p.status().logStart();
        for (int i = 0; i < 100_000; i++) {
            ConsumeResult page = await(p.consume(next, 1000, 1 << 20, 0));
            if (page.records().isEmpty()) {
                break;
            }
            for (StoredRecord r : page.records()) {
                read.put(r.offset(), r.value());
            }
            next = page.nextOffset();
        }
        for (Map.Entry<Long, byte[]> e : acked.entrySet()) {
            if (e.getKey() >= p.status().logStart()) {
                assertThat(read.get(e.getKey())).as("record at offset %d", e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    /**
     * Writes resume by themselves once space is freed, but not instantly: a one-voter group
     * re-elects itself after ENOSPC. Retries until the write lands or 20 s pass.
     */
    private static RecordResult produceOnceSpaceIsBack(PartitionHandle p, String value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return await(p.produce(List.of(small(value)), PartitionHandle.Acks.MAJORITY, 10_000)).results().get(0);
            } catch (BrokerException.DiskFull | BrokerException.Unavailable e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("writes did not resume within 20 s after space was freed", e);
                }
                await(p.consume(0, 1, 1, 20)); // a 20 ms long poll paces the retries without sleeping
            }
        }
    }

    private static ProduceRecord small(String v) {
        return new ProduceRecord(null, v.getBytes(), null);
    }

    @Test
    void theSizeBoundRefusesWritesUntilDeleteBeforeFreesSegments() throws Exception {
        harness = new ReplicaHarness(ReplicaHarness.defaults().withDiskBytesMax(96 << 10));
        PartitionReplica p = harness.open(tmp.resolve("p"), SMALL_SEGMENTS);
        Map<Long, byte[]> acked = fillUntilDiskFull(p, 200, "bound");
        assertThat(acked).isNotEmpty();
        long hw = p.status().highWatermark();
        assertThat(hw).isEqualTo(acked.size());
        assertAllReadable(p, acked);
        // Still full: the same write is refused again, and changes nothing.
        List<ProduceRecord> same = new ArrayList<>();
        for (int j = 0; j < 4; j++) {
            same.add(new ProduceRecord(null, new byte[200], null));
        }
        try {
            await(p.produce(same, PartitionHandle.Acks.MAJORITY, 5_000));
            throw new AssertionError("produce over the bound succeeded");
        } catch (BrokerException.DiskFull expected) {
            assertThat(p.status().highWatermark()).isEqualTo(hw);
        }
        // Commits still work: they are tiny and needed to keep consumers moving.
        assertThat(await(p.commit("g", hw - 1)).advanced()).isTrue();

        PartitionHandle.DeleteBeforeResult freed = await(p.deleteBefore(hw - 8));
        assertThat(freed.deletedSegments()).isPositive();
        RecordResult after = await(p.produce(List.of(small("resumed")), PartitionHandle.Acks.MAJORITY, 5_000)).results().get(0);
        assertThat(after).isEqualTo(new RecordResult(hw, false));
        assertAllReadable(p, acked);
    }

    private Path mountTmpfs(String size) throws Exception {
        tmpfs = Tmpfs.mountOrSkip(tmp.resolve("tmpfs"), size, "the truly-full-filesystem test is skipped, the size-bound test still runs");
        return tmpfs.dir();
    }

    @Test
    void aReallyFullFilesystemFailsWritesAndTheyResumeWhenFilesAreRemoved() throws Exception {
        Path mnt = mountTmpfs("2m");
        // No free-space reserve: the writes run into ENOSPC inside storage itself.
        harness = new ReplicaHarness(ReplicaHarness.defaults().withDiskFreeReserveBytes(-1));
        PartitionReplica p = harness.open(mnt.resolve("p"), SMALL_SEGMENTS);
        Path filler = mnt.resolve("filler");
        Files.write(filler, new byte[1 << 20]);

        Map<Long, byte[]> acked = fillUntilDiskFull(p, 1000, "full");
        assertThat(acked).isNotEmpty();
        long hw = p.status().highWatermark();
        assertThat(hw).isEqualTo(acked.size());
        assertAllReadable(p, acked);

        Files.delete(filler);
        RecordResult after = produceOnceSpaceIsBack(p, "resumed");
        assertThat(after).isEqualTo(new RecordResult(hw, false));
        assertAllReadable(p, acked);

        // Nothing on disk was damaged: a restart reads every acknowledged record back.
        harness.restart();
        PartitionReplica again = harness.open(mnt.resolve("p"), SMALL_SEGMENTS);
        assertThat(again.status().highWatermark()).isEqualTo(hw + 1);
        assertAllReadable(again, acked);
    }

    @Test
    void onAFullFilesystemDeleteBeforeUsesTheReserveToFreeSpace() throws Exception {
        Path mnt = mountTmpfs("2m");
        harness = new ReplicaHarness(ReplicaHarness.defaults().withDiskFreeReserveBytes(128 << 10));
        PartitionReplica p = harness.open(mnt.resolve("p"), SMALL_SEGMENTS);
        Map<Long, byte[]> acked = fillUntilDiskFull(p, 1000, "reserve");
        long hw = p.status().highWatermark();
        assertAllReadable(p, acked);

        PartitionHandle.DeleteBeforeResult freed = await(p.deleteBefore(hw / 2));
        assertThat(freed.deletedSegments()).isPositive();
        RecordResult after = await(p.produce(List.of(small("resumed")), PartitionHandle.Acks.MAJORITY, 10_000)).results().get(0);
        assertThat(after).isEqualTo(new RecordResult(hw, false));
        assertAllReadable(p, acked);
    }
}
