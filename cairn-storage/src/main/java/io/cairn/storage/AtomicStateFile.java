package io.cairn.storage;

import io.cairn.storage.impl.Disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A small file (Raft term and vote, node identity, a partition snapshot) replaced atomically:
 * write a temp file, fsync it, rename it over the old one, fsync the directory. A crash at any
 * point leaves either the old content or the new, never a mix. Contents carry a CRC32C, so a
 * damaged file is reported ({@link StateFileCorruptException}) instead of read as garbage.
 *
 * <p>File layout (big-endian): int magic "CST1" | int length | int CRC32C of content | content.
 * Not thread-safe: one owner writes; concurrent {@link #read()} calls are fine.
 */
public final class AtomicStateFile {
    private static final int MAGIC = 0x43535431;
    private static final int HEADER_BYTES = 12;
    /** Bound on the content size: state files are small by design; large state belongs in a log. */
    public static final int CONTENT_BYTES_MAX = 64 << 20;

    private final Path file;
    private final Path temp;

    public AtomicStateFile(Path file) {
        this.file = file;
        this.temp = file.resolveSibling(file.getFileName() + ".tmp");
    }

    public Path path() {
        return file;
    }

    /** Replaces the content durably: when this returns, the new content survives a crash. */
    public void write(byte[] content) throws IOException {
        if (content.length > CONTENT_BYTES_MAX) {
            throw new IllegalArgumentException("state content of " + content.length + " bytes exceeds "
                    + CONTENT_BYTES_MAX);
        }
        CRC32C c = new CRC32C();
        c.update(content);
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + content.length);
        b.putInt(MAGIC).putInt(content.length).putInt((int) c.getValue()).put(content);
        // Temp file, fsync, rename, directory fsync: the one durable replace the storage has.
        DurableFiles.writeAtomically(file, b.array());
    }

    /** The content, or empty when the file does not exist. */
    public Optional<byte[]> read() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all);
        if (all.length < HEADER_BYTES || b.getInt(0) != MAGIC) {
            throw new StateFileCorruptException(file, "bad magic or shorter than its header");
        }
        int length = b.getInt(4);
        if (length < 0 || length != all.length - HEADER_BYTES) {
            throw new StateFileCorruptException(file, "length field " + length + " but " + (all.length - HEADER_BYTES)
                    + " content bytes");
        }
        CRC32C c = new CRC32C();
        c.update(all, HEADER_BYTES, length);
        if ((int) c.getValue() != b.getInt(8)) {
            throw new StateFileCorruptException(file, "CRC32C mismatch");
        }
        byte[] content = new byte[length];
        System.arraycopy(all, HEADER_BYTES, content, 0, length);
        return Optional.of(content);
    }

    /** Deletes the file durably (a no-op if it does not exist). */
    public void delete() throws IOException {
        Files.deleteIfExists(temp);
        if (Files.deleteIfExists(file)) {
            Disk.fsyncDirectory(file.toAbsolutePath().getParent());
        }
    }
}
