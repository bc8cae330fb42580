package io.cairn.server.topics;

import io.cairn.core.Invariants;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;

/**
 * A small file replaced atomically: write a temp file, fsync it, rename it over the old one,
 * fsync the directory. A crash at any point leaves either the old or the new content, never a mix.
 */
final class AtomicStateFile {
    private final Path file;
    private final Path temp;

    AtomicStateFile(Path file) {
        this.file = file;
        this.temp = file.resolveSibling(file.getFileName() + ".tmp");
    }

    Optional<byte[]> read() throws IOException {
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    void write(byte[] content) throws IOException {
        try (var ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            var buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            // fsync before rename: otherwise a crash can leave the renamed file empty on ext4/xfs.
            ch.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // fsync the directory: otherwise a crash can forget the rename and resurrect the old state.
        fsyncDirectory(file.toAbsolutePath().getParent());
        Invariants.check(Arrays.equals(Files.readAllBytes(file), content), "state file %s reads back differently", file);
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (var ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
