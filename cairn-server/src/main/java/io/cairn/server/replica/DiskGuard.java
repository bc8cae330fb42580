package io.cairn.server.replica;

import io.cairn.server.broker.BrokerException;

import java.io.IOException;
import java.nio.file.FileStore;
import java.util.concurrent.atomic.AtomicLong;

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
 * <p>Thread-safe: shared by every replica on the node.
 */
final class DiskGuard {
    private final long diskBytesMax;
    private final long freeReserveBytes;
    /** Sum of {@code SegmentLog.diskBytes()} over open replicas, kept by deltas. */
    private final AtomicLong logBytes = new AtomicLong();

    DiskGuard(long diskBytesMax, long freeReserveBytes) {
        this.diskBytesMax = diskBytesMax;
        this.freeReserveBytes = freeReserveBytes;
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
                    + diskBytesMax + " (--max-disk-bytes); free space with retention or delete-before");
        }
        if (store == null || freeReserveBytes < 0) {
            return;
        }
        long usable;
        try {
            usable = store.getUsableSpace();
        } catch (IOException e) {
            return; // No answer from statfs: let the write itself report ENOSPC if it happens.
        }
        if (usable < freeReserveBytes + addBytes) {
            throw new BrokerException.DiskFull("the data disk has " + usable + " bytes free, below the "
                    + freeReserveBytes + "-byte reserve kept for freeing space; writes resume once space is freed");
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
