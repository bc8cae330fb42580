package io.cairn.storage.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Small file-system helpers shared by segments and state files. */
public final class Disk {
    private Disk() {}

    /**
     * Fsyncs a directory so that files created, renamed or deleted in it survive a crash
     * (without it, a power cut can forget a new segment's name even though its data is synced).
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** True when {@code e} is the JDK's rendering of ENOSPC or EDQUOT. */
    public static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /** Writes all of {@code b} at {@code position} (a positional write may write less than asked). */
    public static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long at = position;
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    /** Reads exactly {@code b.remaining()} bytes at {@code position}; false if the file ends first. */
    public static boolean readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long at = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, at);
            if (r < 0) {
                return false;
            }
            at += r;
        }
        return true;
    }

    private static final Set<PosixFilePermission> READ_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
    private static final Set<PosixFilePermission> READ_WRITE = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);

    /** Marks a sealed file read-only so that a stray writer (or operator) fails loudly instead of damaging it. */
    public static void makeReadOnly(Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, READ_ONLY);
        } catch (UnsupportedOperationException notPosix) {
            p.toFile().setWritable(false);
        }
    }

    public static void makeWritable(Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, READ_WRITE);
        } catch (UnsupportedOperationException notPosix) {
            p.toFile().setWritable(true);
        }
    }
}
