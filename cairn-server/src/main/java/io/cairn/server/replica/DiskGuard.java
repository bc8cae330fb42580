package io.cairn.server.replica;

import io.cairn.server.broker.BrokerException;

import java.io.IOException;
import java.nio.file.FileStore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Keeps produce from filling the disk: refuses a batch when all partition logs on this node would
 * exceed {@link ReplicaOptions#diskBytesMax()}, or when the partition's filesystem has less than
 * {@link ReplicaOptions#diskFreeReserveBytes()} free beyond the batch.
 *
 * <p>The reserve exists because freeing space needs a little space: the delete-before entry is
 * appended to the log and the snapshot taken before segments are deleted is a file. Only produce
 * is held back; commits, delete-before and snapshots may use the reserve. If the disk fills
 * anyway (another process), storage reports ENOSPC and the replica recovers from that too.
 *
 * <p>The free space is read with {@code statfs}; that was once per group commit. Now a reading
 * is reused while it is younger than {@link #READING_AGE_NANOS_MAX}, fewer than
 * {@link #READING_BYTES_MAX} produce bytes were admitted since, and it showed at least
 * {@link #READING_HEADROOM_BYTES} free beyond the reserve. The headroom is several times the
 * byte bound because a batch takes more disk than its bytes (index files, segment rolls, page
 * rounding: with 8 KiB segments on a 2 MiB tmpfs, counting batch bytes alone let writes run into
 * ENOSPC); a disk that close to the reserve is read for every check, as before. A refusal is never
 * made on a reused reading, so space freed (by retention, delete-before or another process) lets
 * the next write through at once.
 *
 * <p>Thread-safe: shared by every replica on the node.
 */
final class DiskGuard {
    /** A free-space reading is reused for at most this long (other processes may fill the disk meanwhile). */
    static final long READING_AGE_NANOS_MAX = 50_000_000L;
    /** ... and for at most this many bytes admitted since it was taken. */
    static final long READING_BYTES_MAX = 16L << 20;
    /** ... and only while it showed at least this much free beyond the reserve. */
    static final long READING_HEADROOM_BYTES = 4 * READING_BYTES_MAX;

    private final long diskBytesMax;
    private final long freeReserveBytes;
    private final LongSupplier nanoClock;
    /** Sum of {@code SegmentLog.diskBytes()} over open replicas, kept by deltas. */
    private final AtomicLong logBytes = new AtomicLong();
    /** The last free-space reading, or null before the first. */
    private volatile Reading reading;

    /** One {@code statfs} answer for {@code store}, and the produce bytes admitted on it since. */
    private record Reading(FileStore store, long usableBytes, long atNanos, AtomicLong admittedBytes) {}

    DiskGuard(long diskBytesMax, long freeReserveBytes) {
        this(diskBytesMax, freeReserveBytes, System::nanoTime);
    }

    DiskGuard(long diskBytesMax, long freeReserveBytes, LongSupplier nanoClock) {
        this.diskBytesMax = diskBytesMax;
        this.freeReserveBytes = freeReserveBytes;
        this.nanoClock = nanoClock;
    }

    long logBytes() {
        return logBytes.get();
    }

    void adjust(long deltaBytes) {
        logBytes.addAndGet(deltaBytes);
    }

    /** Throws {@link BrokerException.DiskFull} when {@code addBytes} more would break a bound. */
    void checkProduce(FileStore store, long addBytes) {
        if (diskBytesMax > 0 && logBytes.get() + addBytes > diskBytesMax) {
            throw new BrokerException.DiskFull("the node's logs hold " + logBytes.get() + " bytes and the bound is "
                    + diskBytesMax + " (--max-disk-bytes), so nothing was written; free space with retention or delete-before");
        }
        if (store == null || freeReserveBytes < 0) {
            return;
        }
        long now = nanoClock.getAsLong();
        Reading r = reading;
        if (r != null && (r.store() == store || r.store().equals(store)) && now - r.atNanos() <= READING_AGE_NANOS_MAX
                && r.admittedBytes().get() + addBytes <= READING_BYTES_MAX
                && r.usableBytes() - freeReserveBytes >= READING_HEADROOM_BYTES) {
            r.admittedBytes().addAndGet(addBytes);
            return;
        }
        long usable;
        try {
            usable = store.getUsableSpace();
        } catch (IOException e) {
            reading = null;
            return; // No answer from statfs: let the write itself report ENOSPC if it happens.
        }
        reading = new Reading(store, usable, now, new AtomicLong(addBytes));
        if (usable < freeReserveBytes + addBytes) {
            throw new BrokerException.DiskFull("the data disk has " + usable + " bytes free; this " + addBytes
                    + "-byte write would leave less than the " + freeReserveBytes + "-byte reserve kept for freeing"
                    + " space, so nothing was written; writes resume once space is freed");
        }
    }

    /** True when {@code e} (or a cause) is ENOSPC. */
    static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.cairn.storage.DiskFullException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }
}
