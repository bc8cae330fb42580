package io.cairn.sim;

import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;

import java.nio.ByteBuffer;

/**
 * The simulated application: a state machine whose whole state is a running digest of the
 * entries applied, plus the count. Snapshots carry exactly this, so a node that installs a
 * snapshot can be checked against the committed prefix without storing every value.
 *
 * <p>Client values are 8-byte big-endian ids in NORMAL entries; {@link #valueId} reads one back.
 */
public final class StateDigest {
    public static final long EMPTY = 0x6A09E667F3BCC908L;

    private StateDigest() {}

    public static long next(long digest, Entry e) {
        long h = digest;
        h = mix(h ^ e.index());
        h = mix(h ^ e.term());
        h = mix(h ^ e.type().code());
        for (byte b : e.data()) {
            h = (h ^ (b & 0xFF)) * 0x100000001B3L;
        }
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static byte[] encodeValue(long valueId) {
        return ByteBuffer.allocate(8).putLong(valueId).array();
    }

    /** The client value an entry carries, or -1 for no-ops, config changes and foreign data. */
    public static long valueId(Entry e) {
        if (e.type() != EntryType.NORMAL || e.data().length != 8) {
            return -1;
        }
        return ByteBuffer.wrap(e.data()).getLong();
    }

    /** Snapshot data: the digest and the applied index it covers. */
    public static byte[] encodeSnapshot(long digest, long index) {
        return ByteBuffer.allocate(16).putLong(digest).putLong(index).array();
    }

    public static long snapshotDigest(byte[] data) {
        return ByteBuffer.wrap(data).getLong(0);
    }

    public static long snapshotIndex(byte[] data) {
        return ByteBuffer.wrap(data).getLong(8);
    }
}
