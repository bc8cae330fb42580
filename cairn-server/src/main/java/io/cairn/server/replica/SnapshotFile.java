package io.cairn.server.replica;

import io.cairn.core.NodeId;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;
import io.cairn.storage.DiskFullException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * A partition state-machine snapshot with its Raft metadata, replaced atomically (temp file,
 * fsync, rename, directory fsync). Two live in each partition directory:
 * <ul>
 *   <li>{@code raft-snapshot}: the state at the index just before the Raft log's first visible
 *       entry. It is written only before retention deletes segments, and is what a follower
 *       behind the log start would be sent.</li>
 *   <li>{@code checkpoint}: the latest state written for a fast restart; restart replays only
 *       the log after it. It is never sent to anyone.</li>
 * </ul>
 * Unlike {@link io.cairn.storage.AtomicStateFile} it has no small size cap: a full idempotency
 * window is tens of MiB.
 *
 * <p>Layout: magic i32 "CSNF", version u8, index i64, term i64, voter count u16 then ids,
 * learner count u16 then ids (u16 length + UTF-8 each), data length i32, data, CRC32C of all
 * preceding bytes.
 */
final class SnapshotFile {
    static final String RAFT_SNAPSHOT = "raft-snapshot";
    static final String CHECKPOINT = "checkpoint";
    private static final int MAGIC = 0x43534e46;
    private static final int VERSION = 1;

    private final Path file;
    private final Path temp;

    SnapshotFile(Path dir, String name) {
        this.file = dir.resolve(name);
        this.temp = dir.resolve(name + ".tmp");
    }

    Path path() {
        return file;
    }

    Optional<Snapshot> read() throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (all.length < 4 + 1 + 8 + 8 + 2 + 2 + 4 + 4) {
            throw new IOException(file + ": snapshot file too short (" + all.length + " bytes)");
        }
        CRC32C crc = new CRC32C();
        crc.update(all, 0, all.length - 4);
        ByteBuffer b = ByteBuffer.wrap(all);
        if (b.getInt(all.length - 4) != (int) crc.getValue()) {
            throw new IOException(file + ": snapshot CRC32C mismatch");
        }
        try {
            if (b.getInt() != MAGIC) {
                throw new IOException(file + ": not a snapshot file (bad magic)");
            }
            int version = b.get() & 0xFF;
            if (version != VERSION) {
                throw new IOException(file + ": unsupported snapshot file version " + version);
            }
            long index = b.getLong();
            long term = b.getLong();
            Set<NodeId> voters = readIds(b);
            Set<NodeId> learners = readIds(b);
            int length = b.getInt();
            if (length < 0 || length != b.remaining() - 4) {
                throw new IOException(file + ": snapshot data length " + length + " does not match the file");
            }
            byte[] data = new byte[length];
            b.get(data);
            return Optional.of(new Snapshot(new SnapshotMetadata(index, term, new Membership(voters, learners)), data));
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new IOException(file + ": malformed snapshot file: " + e.getMessage(), e);
        }
    }

    /** When this returns, the snapshot survives a crash and replaces the previous one. */
    void write(Snapshot snapshot) throws IOException {
        SnapshotMetadata m = snapshot.metadata();
        int idBytes = 0;
        for (NodeId n : m.membership().all()) {
            idBytes += 2 + n.value().getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 8 + 8 + 2 + 2 + idBytes + 4 + snapshot.data().length + 4);
        b.putInt(MAGIC).put((byte) VERSION).putLong(m.index()).putLong(m.term());
        writeIds(b, m.membership().voters());
        writeIds(b, m.membership().learners());
        b.putInt(snapshot.data().length).put(snapshot.data());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        b.flip();
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
            // Fsync before rename: otherwise a crash can leave the name pointing at a hole.
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            if (DiskGuard.isDiskFull(e)) {
                throw new DiskFullException("disk full writing " + file, e);
            }
            throw e;
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // Fsync the directory: otherwise a crash can undo the rename and bring back the old snapshot.
        fsyncDirectory(file.getParent());
    }

    void delete() throws IOException {
        Files.deleteIfExists(temp);
        if (Files.deleteIfExists(file)) {
            fsyncDirectory(file.getParent());
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void writeIds(ByteBuffer b, Set<NodeId> ids) {
        b.putShort((short) ids.size());
        for (NodeId n : ids) {
            byte[] v = n.value().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) v.length).put(v);
        }
    }

    private static Set<NodeId> readIds(ByteBuffer b) {
        int count = b.getShort() & 0xFFFF;
        Set<NodeId> ids = new HashSet<>();
        for (int i = 0; i < count; i++) {
            byte[] v = new byte[b.getShort() & 0xFFFF];
            b.get(v);
            ids.add(NodeId.of(new String(v, StandardCharsets.UTF_8)));
        }
        return ids;
    }
}
