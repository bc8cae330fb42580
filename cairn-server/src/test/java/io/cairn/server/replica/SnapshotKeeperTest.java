package io.cairn.server.replica;

import io.cairn.storage.SegmentInfo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which segments retention may delete: sealed, below the log start, and covered by the snapshot. */
class SnapshotKeeperTest {

    private static SegmentInfo seg(long base, long end, long firstIndex, long lastIndex, boolean sealed) {
        return new SegmentInfo(base, end, firstIndex, lastIndex, 0, 1000, sealed);
    }

    @Test
    void deletesWholeSealedSegmentsBelowTheLogStart() {
        List<SegmentInfo> segs = List.of(seg(0, 100, 1, 10, true), seg(100, 200, 11, 20, true), seg(200, 250, 21, 30, false));
        assertThat(SnapshotKeeper.deletionFloor(segs, 150, 30)).isEqualTo(new SnapshotKeeper.Floor(100, 10));
        assertThat(SnapshotKeeper.deletionFloor(segs, 200, 30)).isEqualTo(new SnapshotKeeper.Floor(200, 20));
        assertThat(SnapshotKeeper.deletionFloor(segs, 99, 30).offset()).isZero();
    }

    @Test
    void neverTheActiveSegment() {
        List<SegmentInfo> segs = List.of(seg(0, 100, 1, 10, true), seg(100, 200, 11, 20, false));
        assertThat(SnapshotKeeper.deletionFloor(segs, 200, 20).offset()).isEqualTo(100);
    }

    @Test
    void neverEntriesTheSnapshotDoesNotCover() {
        List<SegmentInfo> segs = List.of(seg(0, 100, 1, 10, true), seg(100, 200, 11, 20, true), seg(200, 250, 21, 30, false));
        assertThat(SnapshotKeeper.deletionFloor(segs, 200, 15).offset()).isEqualTo(100);
    }

    @Test
    void aRecordlessSegmentAtTheFloorIsKeptWhenItHoldsLaterEntries() {
        // Segment 2 holds only control entries (no records) at offset 100, with Raft indexes the
        // snapshot does not cover; storage would delete it with a floor of 100.
        List<SegmentInfo> segs = List.of(seg(0, 50, 1, 5, true), seg(50, 100, 6, 10, true),
                seg(100, 100, 11, 20, true), seg(100, 150, 21, 30, false));
        assertThat(SnapshotKeeper.deletionFloor(segs, 100, 10)).isEqualTo(new SnapshotKeeper.Floor(50, 5));
        assertThat(SnapshotKeeper.deletionFloor(segs, 100, 20)).isEqualTo(new SnapshotKeeper.Floor(100, 20));
    }
}
