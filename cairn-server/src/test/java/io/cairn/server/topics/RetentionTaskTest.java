package io.cairn.server.topics;

import io.cairn.server.broker.Broker.Retention;
import io.cairn.server.broker.PartitionHandle.SegmentInfo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RetentionTaskTest {
    // Three sealed segments of 100 bytes and an active one of 50; newest timestamps 1000, 2000, 3000, 4000.
    private final List<SegmentInfo> segments = List.of(
        new SegmentInfo(0, 10, 100, 1000, true),
        new SegmentInfo(10, 20, 100, 2000, true),
        new SegmentInfo(20, 30, 100, 3000, true),
        new SegmentInfo(30, 35, 50, 4000, false));

    @Test
    void bySizeDropsOldestSealedSegmentsUntilUnderTheBound() {
        assertThat(RetentionTask.newLogStart(segments, new Retention(null, 200L), 0, 35)).isEqualTo(20);
        assertThat(RetentionTask.newLogStart(segments, new Retention(null, 350L), 0, 35)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void byAgeDropsSegmentsWhoseNewestRecordIsTooOld() {
        assertThat(RetentionTask.newLogStart(segments, new Retention(1500L, null), 4000, 35)).isEqualTo(20);
    }

    @Test
    void neverTheActiveSegmentNorUncommittedRecords() {
        assertThat(RetentionTask.newLogStart(segments, new Retention(1L, 1L), 1_000_000, 35)).isEqualTo(30);
        assertThat(RetentionTask.newLogStart(segments, new Retention(1L, 1L), 1_000_000, 15)).isEqualTo(10);
    }
}
