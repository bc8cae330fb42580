package io.cairn.server.replica;

import io.cairn.server.broker.BrokerException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The free-space check reuses a statfs reading only while it is young, little was written since,
 * and it showed plenty of room beyond the reserve; it never refuses on a reused reading.
 */
class DiskGuardTest {
    private static final long RESERVE = 1000;

    /** A filesystem whose free space the test sets, counting how often it is asked. */
    private static final class Disk extends FileStore {
        long usable;
        int reads;

        Disk(long usable) {
            this.usable = usable;
        }

        @Override
        public long getUsableSpace() {
            reads++;
            return usable;
        }

        @Override public String name() { return "test"; }
        @Override public String type() { return "test"; }
        @Override public boolean isReadOnly() { return false; }
        @Override public long getTotalSpace() { return usable; }
        @Override public long getUnallocatedSpace() { return usable; }
        @Override public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) { return false; }
        @Override public boolean supportsFileAttributeView(String name) { return false; }
        @Override public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) { return null; }
        @Override public Object getAttribute(String attribute) throws IOException { throw new IOException("none"); }
    }

    private long now;
    private final DiskGuard guard = new DiskGuard(0, RESERVE, () -> now);

    @Test
    void aYoungReadingWithRoomIsReused() {
        Disk disk = new Disk(1L << 40);
        for (int i = 0; i < 10; i++) {
            guard.checkProduce(disk, 4000);
        }
        assertThat(disk.reads).isEqualTo(1);
    }

    @Test
    void nearTheReserveEveryCheckReadsTheDisk() {
        Disk disk = new Disk(RESERVE + DiskGuard.READING_HEADROOM_BYTES - 1);
        guard.checkProduce(disk, 4000);
        guard.checkProduce(disk, 4000);
        guard.checkProduce(disk, 4000);
        assertThat(disk.reads).isEqualTo(3);
        disk.usable = RESERVE + 3999;
        assertThatThrownBy(() -> guard.checkProduce(disk, 4000)).isInstanceOf(BrokerException.DiskFull.class);
    }

    @Test
    void aReadingIsRefreshedAfterItsAgeBound() {
        Disk disk = new Disk(1L << 40);
        guard.checkProduce(disk, 100);
        now += DiskGuard.READING_AGE_NANOS_MAX;
        guard.checkProduce(disk, 100);
        assertThat(disk.reads).isEqualTo(1);
        now += 1;
        guard.checkProduce(disk, 100);
        assertThat(disk.reads).isEqualTo(2);
    }

    @Test
    void aReadingIsRefreshedAfterItsByteBound() {
        Disk disk = new Disk(1L << 40);
        guard.checkProduce(disk, DiskGuard.READING_BYTES_MAX / 2);
        guard.checkProduce(disk, DiskGuard.READING_BYTES_MAX / 2);
        assertThat(disk.reads).isEqualTo(1);
        guard.checkProduce(disk, 1);
        assertThat(disk.reads).isEqualTo(2);
    }

    @Test
    void aFullDiskIsRefusedAndAcceptedAgainAsSoonAsSpaceIsFreed() {
        Disk disk = new Disk(RESERVE + 500);
        assertThatThrownBy(() -> guard.checkProduce(disk, 1000)).isInstanceOf(BrokerException.DiskFull.class);
        assertThatThrownBy(() -> guard.checkProduce(disk, 1000)).isInstanceOf(BrokerException.DiskFull.class);
        assertThat(disk.reads).as("a refusal is always made on a fresh reading").isEqualTo(2);
        disk.usable = RESERVE + 1_000_000; // delete-before freed segments: no waiting for the reading to age
        guard.checkProduce(disk, 1000);
    }

    @Test
    void theDiskFillingUpIsSeenOnceTheReadingAges() {
        Disk disk = new Disk(1L << 40);
        guard.checkProduce(disk, 1000);
        disk.usable = RESERVE; // another process filled the disk
        now += DiskGuard.READING_AGE_NANOS_MAX + 1;
        assertThatThrownBy(() -> guard.checkProduce(disk, 1000)).isInstanceOf(BrokerException.DiskFull.class);
    }
}
