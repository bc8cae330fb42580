package io.cairn.server.http;

import io.cairn.server.broker.Broker;
import io.cairn.server.broker.BrokerException;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Refuses writes (507) before they reach the log when the node's logs are over
 * {@code --max-disk-bytes} or the data disk has too little room left. Nothing is refused for
 * reads, and writes resume by themselves once retention or {@code delete-before} frees space.
 * The replica also maps a real ENOSPC to 507; this check just makes that the rare case.
 */
final class DiskGuard {
    /** Room kept free on the data disk beyond the write itself, for indexes and state files. */
    static final long FREE_BYTES_RESERVE = 1024 * 1024;
    /** statvfs is cheap but not free; its answer is reused for this long. */
    private static final long FREE_SPACE_CACHE_NANOS = 50_000_000;

    private final Broker broker;
    private final long maxDiskBytes;
    private final FileStore store;
    private volatile long usableBytes = Long.MAX_VALUE;
    private volatile long usableReadNanos = Long.MIN_VALUE;

    DiskGuard(Broker broker, long maxDiskBytes, Path dataDir) throws IOException {
        this.broker = broker;
        this.maxDiskBytes = maxDiskBytes;
        this.store = Files.getFileStore(dataDir);
    }

    void checkRoomFor(long bytes) {
        if (maxDiskBytes > 0) {
            long used = broker.logBytesTotal();
            if (used + bytes > maxDiskBytes) {
                throw new BrokerException.DiskFull("the logs on this node hold " + used + " bytes and this write needs "
                    + bytes + " more, over --max-disk-bytes " + maxDiskBytes
                    + "; nothing was written. Writes resume once retention or delete-before frees space");
            }
        }
        long usable = usable();
        if (usable < bytes + FREE_BYTES_RESERVE) {
            throw new BrokerException.DiskFull("the data disk has " + usable + " bytes free, too little for a "
                + bytes + "-byte write; nothing was written. Writes resume once space is freed");
        }
    }

    private long usable() {
        long now = System.nanoTime();
        if (now - usableReadNanos > FREE_SPACE_CACHE_NANOS) {
            try {
                usableBytes = store.getUsableSpace();
            } catch (IOException e) {
                usableBytes = Long.MAX_VALUE; // unknown: let the write try; ENOSPC still maps to 507
            }
            usableReadNanos = now;
        }
        return usableBytes;
    }
}
