package io.cairn.storage;

/** What {@link SegmentLog#deleteSegmentsBefore(long)} removed. */
public record Deletion(int segments, long bytes) {}
