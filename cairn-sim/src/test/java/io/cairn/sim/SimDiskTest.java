package io.cairn.sim;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SimDiskTest {
    @Test
    void crashKeepsFsyncedWritesAndAtMostAPrefixOfTheRest() {
        for (long seed = 0; seed < 200; seed++) {
            SimDisk<String, String, String> disk = new SimDisk<>(new SimRandom(seed));
            disk.append(1, List.of("a", "b"));
            disk.setHardState("t1");
            long barrier = disk.fsyncBarrier();
            disk.append(3, List.of("c"));
            disk.append(2, List.of("B", "C", "D"));
            disk.fsyncCompleted(barrier);
            assertThat(disk.written().entries(1, 5)).containsExactly("a", "B", "C", "D");
            assertThat(disk.durable().entries(1, 3)).containsExactly("a", "b");

            disk.crash();
            List<String> after = disk.written().entries(1, disk.written().lastIndex() + 1);
            // Either nothing, the first unsynced append, or both survived: never the second alone.
            assertThat(after).isIn(List.of("a", "b"), List.of("a", "b", "c"), List.of("a", "B", "C", "D"));
            assertThat(disk.written().hardState()).isEqualTo("t1");
            assertThat(disk.hasUnsyncedWrites()).isFalse();
        }
    }

    @Test
    void snapshotDropsCoveredPrefixAndKeepsAgreeingSuffix() {
        SimDisk<String, String, String> disk = new SimDisk<>(new SimRandom(1));
        disk.append(1, List.of("a", "b", "c", "d"));
        disk.installSnapshot("snap@2", 2, 1, true);
        assertThat(disk.written().firstIndex()).isEqualTo(3);
        assertThat(disk.written().entries(3, 5)).containsExactly("c", "d");
        disk.installSnapshot("snap@9", 9, 2, false);
        assertThat(disk.written().lastIndex()).isEqualTo(9);
        assertThat(disk.written().entry(9)).isNull();
        assertThat(disk.durable().lastIndex()).isZero();
    }

    @Test
    void wipeLeavesNothing() {
        SimDisk<String, String, String> disk = new SimDisk<>(new SimRandom(1));
        disk.append(1, List.of("a"));
        disk.fsyncCompleted(disk.fsyncBarrier());
        disk.wipe();
        assertThat(disk.durable().lastIndex()).isZero();
        assertThat(disk.written().hardState()).isNull();
    }
}
