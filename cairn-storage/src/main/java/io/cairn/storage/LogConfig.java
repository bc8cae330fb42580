package io.cairn.storage;

import java.util.function.LongSupplier;

/**
 * Settings of one {@link SegmentLog}.
 *
 * @param segmentBytesMax    seal the active segment once it holds at least this many bytes (default 128 MiB;
 *                           at most 1 GiB so positions fit an int and a segment can be mapped in one piece)
 * @param segmentMs          seal the active segment once it is this old and holds at least one entry
 *                           (default 7 days)
 * @param indexIntervalBytes write a sparse index point at least every this many bytes of frames (default 4 KiB);
 *                           this bounds the bytes scanned on open and per indexed lookup
 * @param entryBytesMax      largest frame accepted on append and believed on read (default 16 MiB); a length
 *                           field above it is treated as damage
 * @param durableWaitersMax  bound on futures waiting in {@link SegmentLog#whenDurable(long)} (default 1,000,000);
 *                           a caller exceeding it gets an {@link IllegalStateException} instead of unbounded memory
 * @param clockMs            wall clock in milliseconds, used only for segment age (injectable for tests)
 */
public record LogConfig(
        long segmentBytesMax,
        long segmentMs,
        int indexIntervalBytes,
        int entryBytesMax,
        int durableWaitersMax,
        LongSupplier clockMs) {

    public static final long SEGMENT_BYTES_LIMIT = 1L << 30;

    public LogConfig {
        if (segmentBytesMax < 1024 || segmentBytesMax > SEGMENT_BYTES_LIMIT) {
            throw new IllegalArgumentException("segmentBytesMax must be in [1024, 1 GiB], got " + segmentBytesMax);
        }
        if (segmentMs < 1) {
            throw new IllegalArgumentException("segmentMs must be positive, got " + segmentMs);
        }
        if (indexIntervalBytes < 1) {
            throw new IllegalArgumentException("indexIntervalBytes must be positive, got " + indexIntervalBytes);
        }
        if (entryBytesMax < 1024 || entryBytesMax > SEGMENT_BYTES_LIMIT) {
            throw new IllegalArgumentException("entryBytesMax must be in [1024, 1 GiB], got " + entryBytesMax);
        }
        if (durableWaitersMax < 1) {
            throw new IllegalArgumentException("durableWaitersMax must be positive, got " + durableWaitersMax);
        }
        if (clockMs == null) {
            throw new IllegalArgumentException("clockMs must not be null");
        }
    }

    public static LogConfig defaults() {
        return new LogConfig(128L << 20, 7L * 24 * 3600 * 1000, 4096, 16 << 20, 1_000_000, System::currentTimeMillis);
    }

    public LogConfig withSegmentBytesMax(long v) {
        return new LogConfig(v, segmentMs, indexIntervalBytes, entryBytesMax, durableWaitersMax, clockMs);
    }

    public LogConfig withSegmentMs(long v) {
        return new LogConfig(segmentBytesMax, v, indexIntervalBytes, entryBytesMax, durableWaitersMax, clockMs);
    }

    public LogConfig withIndexIntervalBytes(int v) {
        return new LogConfig(segmentBytesMax, segmentMs, v, entryBytesMax, durableWaitersMax, clockMs);
    }

    public LogConfig withEntryBytesMax(int v) {
        return new LogConfig(segmentBytesMax, segmentMs, indexIntervalBytes, v, durableWaitersMax, clockMs);
    }

    public LogConfig withDurableWaitersMax(int v) {
        return new LogConfig(segmentBytesMax, segmentMs, indexIntervalBytes, entryBytesMax, v, clockMs);
    }

    public LogConfig withClockMs(LongSupplier v) {
        return new LogConfig(segmentBytesMax, segmentMs, indexIntervalBytes, entryBytesMax, durableWaitersMax, v);
    }
}
