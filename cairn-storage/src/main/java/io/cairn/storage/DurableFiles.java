package io.cairn.storage;

import io.cairn.storage.impl.Disk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Creating directories and small plain files so that they survive a power cut, not just a process
 * crash. A new directory's name lives in its parent: until the parent is fsynced, a power cut can
 * forget it, and with it every segment that was fsynced inside (the data is durable, its path is
 * not). The power-loss chaos fault found exactly that: partitions recreated empty after a cut.
 */
public final class DurableFiles {
    private DurableFiles() {}

    /**
     * Creates {@code dir} and any missing parents, then fsyncs the parent of each directory it
     * created (top-down), so that when this returns the whole path survives a power cut.
     */
    public static void createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p); // the topmost missing directory ends up first
        }
        if (missing.isEmpty()) {
            return;
        }
        Files.createDirectories(abs);
        for (Path created : missing) {
            Disk.fsyncDirectory(created.getParent());
        }
    }

    /**
     * Replaces {@code file} with {@code content} durably: temp file, fsync, rename, fsync of the
     * directory. A reader sees the old content or the new, never an empty or torn file, even after a
     * power cut. For small plain-text markers; checksummed state belongs in {@link AtomicStateFile}.
     */
    public static void writeAtomically(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        createDirectories(dir);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            Disk.writeFully(ch, ByteBuffer.wrap(content), 0);
            // Fsync before rename: otherwise a power cut can leave the new name pointing at no data.
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            if (Disk.isDiskFull(e)) {
                throw new DiskFullException("disk full writing " + file, e);
            }
            throw e;
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Disk.fsyncDirectory(dir);
    }
}
