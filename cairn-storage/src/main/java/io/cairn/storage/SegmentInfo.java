package io.cairn.storage;

/**
 * A description of one segment, for retention decisions (by age, size or offset floor) and metrics.
 *
 * @param baseOffset     offset of the segment's first record
 * @param endOffset      offset after its last record
 * @param firstRaftIndex Raft index of its first entry
 * @param lastRaftIndex  Raft index of its last entry ({@code firstRaftIndex - 1} when empty)
 * @param maxTimestampMs largest record timestamp in it (for the active segment after a restart,
 *                       a lower bound: only entries since the last index point are known)
 * @param diskBytes      bytes of its log and index files
 * @param sealed         true for sealed segments; only those can be deleted by retention
 */
public record SegmentInfo(long baseOffset, long endOffset, long firstRaftIndex, long lastRaftIndex,
                          long maxTimestampMs, long diskBytes, boolean sealed) {}
