package io.cairn.storage;

import io.cairn.storage.impl.ChannelOpener;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Real files whose channels fail the way a full or broken disk does: writes stop with ENOSPC
 * after a byte budget (possibly part-way through a buffer, like a real short write), fsync fails
 * with EIO, or fsync takes as long as on a spinning disk. Everything else goes to the real file.
 * It also observes: fsyncs tried, which files hold changes no fsync covered yet, and bytes read
 * per file (what a step really touched).
 */
final class FaultyDisk implements ChannelOpener {
    /** Bytes that may still be written; unlimited by default. */
    final AtomicLong writeBudgetBytes = new AtomicLong(Long.MAX_VALUE);
    volatile boolean failFsync;
    volatile long fsyncDelayNanos;
    /**
     * While set, an fsync asked for by a flusher thread waits until this latch opens (the log
     * owner's own fsyncs go through): shows what the owner alone makes durable, without racing the
     * flusher. Bounded: a gate left closed fails the fsync after 60 s.
     */
    volatile CountDownLatch flusherGate;
    /** Every fsync asked for, including those that failed: a retry after a failure shows here. */
    final AtomicLong fsyncAttempts = new AtomicLong();
    /** Writes (and cuts) per file, and how many of them the last successful fsync covered. */
    private final Map<Path, AtomicLong> changes = new ConcurrentHashMap<>();
    private final Map<Path, Long> changesSynced = new ConcurrentHashMap<>();
    /** Bytes read or mapped per file, to see which files a step actually looked at. */
    final Map<Path, AtomicLong> bytesRead = new ConcurrentHashMap<>();

    void unlimited() {
        writeBudgetBytes.set(Long.MAX_VALUE);
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return new Channel(path.toAbsolutePath().normalize(), FileChannel.open(path, options));
    }

    /** True when {@code file} was written or cut after the start of its last successful fsync. */
    boolean unsynced(Path file) {
        Path p = file.toAbsolutePath().normalize();
        AtomicLong n = changes.get(p);
        return n != null && n.get() > changesSynced.getOrDefault(p, 0L);
    }

    /** Bytes read from or mapped of {@code file} through this disk so far. */
    long bytesReadFrom(Path file) {
        AtomicLong n = bytesRead.get(file.toAbsolutePath().normalize());
        return n == null ? 0 : n.get();
    }

    private final class Channel extends FileChannel {
        private final Path path;
        private final FileChannel real;

        Channel(Path path, FileChannel real) {
            this.path = path;
            this.real = real;
        }

        private void changed() {
            changes.computeIfAbsent(path, p -> new AtomicLong()).incrementAndGet();
        }

        private <T extends Number> T counted(T bytes) {
            if (bytes.longValue() > 0) {
                bytesRead.computeIfAbsent(path, p -> new AtomicLong()).addAndGet(bytes.longValue());
            }
            return bytes;
        }

        private int allowed(ByteBuffer src) throws IOException {
            long budget = writeBudgetBytes.get();
            if (budget <= 0 && src.hasRemaining()) {
                throw new IOException("No space left on device");
            }
            int n = (int) Math.min(src.remaining(), budget);
            if (budget != Long.MAX_VALUE) {
                writeBudgetBytes.addAndGet(-n);
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            int n = allowed(src);
            changed();
            ByteBuffer part = src.duplicate().limit(src.position() + n);
            int w = real.write(part, position);
            src.position(src.position() + w);
            return w;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = allowed(src);
            changed();
            ByteBuffer part = src.duplicate().limit(src.position() + n);
            int w = real.write(part);
            src.position(src.position() + w);
            return w;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            fsyncAttempts.incrementAndGet();
            CountDownLatch gate = flusherGate;
            if (gate != null && Thread.currentThread().getName().startsWith("cairn-flusher-")) {
                try {
                    if (!gate.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("test gate for flusher fsyncs never opened");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted at the flusher gate");
                }
            }
            // What this fsync covers: the changes made before it started (later ones may not be).
            AtomicLong n = changes.get(path);
            long covered = n == null ? 0 : n.get();
            if (failFsync) {
                throw new IOException("Input/output error");
            }
            long delay = fsyncDelayNanos;
            if (delay > 0) {
                // Simulates the latency of a real disk's cache flush, not a test waiting for something.
                LockSupport.parkNanos(delay);
            }
            real.force(metaData);
            changesSynced.merge(path, covered, Math::max);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return counted(real.read(dst));
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return counted(real.read(dsts, offset, length));
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            throw new UnsupportedOperationException("gathering writes are not used by the log");
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            if (size < real.size()) {
                changed();
            }
            real.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return counted(real.transferTo(position, count, target));
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            changed();
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return counted(real.read(dst, position));
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            counted(size);
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
