package io.cairn.server.node;

import io.cairn.storage.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The node's data directory, checked and locked before anything else touches it: it must be a
 * writable directory on a filesystem that supports fsync, and only one process may use it (two
 * nodes on one directory would interleave writes to the same logs).
 */
final class DataDir implements AutoCloseable {
    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private DataDir(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    static DataDir open(Path dir) throws StartupException {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            DurableFiles.createDirectories(abs);
        } catch (FileAlreadyExistsException e) {
            throw new StartupException("data directory " + abs + " is unusable: it exists and is not a directory");
        } catch (AccessDeniedException e) {
            throw new StartupException("data directory " + abs + " is unusable: permission denied creating it");
        } catch (IOException e) {
            throw new StartupException("data directory " + abs + " is unusable: " + e);
        }
        if (!Files.isDirectory(abs)) {
            throw new StartupException("data directory " + abs + " is unusable: it is not a directory");
        }
        Path probe = abs.resolve(".write-probe");
        try (var ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(new byte[] {1}));
            ch.force(true);
        } catch (IOException e) {
            throw new StartupException("data directory " + abs + " is unusable: cannot write and fsync a file there ("
                + reason(e) + ")");
        }
        try {
            Files.deleteIfExists(probe);
        } catch (IOException e) {
            throw new StartupException("data directory " + abs + " is unusable: cannot delete files there (" + reason(e) + ")");
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(abs.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                ch.close();
                throw new StartupException("data directory " + abs + " is in use by another cairn process");
            }
            return new DataDir(abs, ch, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(ch);
            throw new StartupException("data directory " + abs + " is in use by another node in this process");
        } catch (IOException e) {
            closeQuietly(ch);
            throw new StartupException("data directory " + abs + " is unusable: cannot lock it (" + reason(e) + ")");
        }
    }

    private static String reason(IOException e) {
        return e instanceof AccessDeniedException ? "permission denied" : String.valueOf(e.getMessage());
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing; the original error is the one to report
            }
        }
    }

    Path path() {
        return dir;
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the process is going away or the node is closed; the OS drops the lock either way
        }
    }
}
