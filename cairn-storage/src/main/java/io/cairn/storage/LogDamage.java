package io.cairn.storage;

import java.nio.file.Path;

/**
 * Where a log's stored entries stop being readable intact: the first entry whose frame fails its
 * CRC32C or breaks the sequence. Everything before {@link #firstBadIndex()} read back intact; the
 * owner repairs by {@link SegmentLog#truncateSuffix(long) truncating} from there and fetching
 * the rest from a peer.
 *
 * @param file          the damaged segment file
 * @param position      byte position in {@code file} where the damage was found
 * @param firstBadIndex Raft index of the first entry that could not be read intact
 * @param problem       what was wrong, for the log line
 */
public record LogDamage(Path file, long position, long firstBadIndex, String problem) {
    @Override
    public String toString() {
        return "damage in " + file + " at byte " + position + " (first bad entry " + firstBadIndex + "): " + problem;
    }
}
