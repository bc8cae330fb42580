package io.cairn.storage;

import io.cairn.storage.impl.ChannelOpener;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Real files whose channels fail the way a full or broken disk does: writes stop with ENOSPC
 * after a byte budget (possibly part-way through a buffer, like a real short write), fsync fails
 * with EIO, or fsync takes as long as on a spinning disk. Everything else goes to the real file.
 */
final class FaultyDisk implements ChannelOpener {
    /** Bytes that may still be written; unlimited by default. */
    final AtomicLong writeBudgetBytes = new AtomicLong(Long.MAX_VALUE);
    volatile boolean failFsync;
    volatile long fsyncDelayNanos;

    void unlimited() {
        writeBudgetBytes.set(Long.MAX_VALUE);
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return new Channel(FileChannel.open(path, options));
    }

    private final class Channel extends FileChannel {
        private final FileChannel real;

        Channel(FileChannel real) {
            this.real = real;
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
            ByteBuffer part = src.duplicate().limit(src.position() + n);
            int w = real.write(part, position);
            src.position(src.position() + w);
            return w;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = allowed(src);
            ByteBuffer part = src.duplicate().limit(src.position() + n);
            int w = real.write(part);
            src.position(src.position() + w);
            return w;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            if (failFsync) {
                throw new IOException("Input/output error");
            }
            long delay = fsyncDelayNanos;
            if (delay > 0) {
                // Simulates the latency of a real disk's cache flush, not a test waiting for something.
                LockSupport.parkNanos(delay);
            }
            real.force(metaData);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
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
            real.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
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
