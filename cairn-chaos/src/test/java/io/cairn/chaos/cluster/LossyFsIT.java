package io.cairn.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The power-loss filesystem on a real FUSE mount, driven the way the server drives its files
 * (FileChannel positional writes, force = fsync/fdatasync, directory fsync through a read-only
 * channel). Skipped, with the reason printed, only where FUSE cannot be mounted.
 */
class LossyFsIT {
    @TempDir
    static Path shared;

    static LossyFs journal;
    static LossyFs posix;

    @TempDir
    Path dir;

    @BeforeAll
    static void build() {
        try {
            journal = LossyFs.prepare(shared.resolve("bin"), LossyFs.Metadata.JOURNAL);
            posix = LossyFs.prepare(shared.resolve("bin"), LossyFs.Metadata.POSIX);
        } catch (LossyFs.Unavailable e) {
            System.out.println("LossyFsIT skipped: " + e.getMessage());
            Assumptions.abort("FUSE unavailable: " + e.getMessage());
        }
    }

    private LossyMount mount(LossyFs fs) throws IOException {
        Files.createDirectories(dir.resolve("disk"));
        Files.createDirectories(dir.resolve("mnt"));
        return fs.mount(dir.resolve("disk"), dir.resolve("mnt"), dir.resolve("fs.log"));
    }

    private Path disk(String name) {
        return dir.resolve("disk").resolve(name);
    }

    private Path mnt(String name) {
        return dir.resolve("mnt").resolve(name);
    }

    private static void write(FileChannel ch, String s, long at) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    private static FileChannel open(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static void fsyncDir(Path d) throws IOException {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Test
    void unsyncedDataIsGoneAfterTheCutAndSyncedDataStays() throws IOException {
        try (LossyMount m = mount(journal)) {
            try (FileChannel a = open(mnt("a.log")); FileChannel b = open(mnt("b.log"))) {
                write(a, "durable-", 0);
                a.force(false); // fdatasync
                write(a, "pending", 8);
                write(b, "never-synced", 0);
                fsyncDir(dir.resolve("mnt"));
                // Before the cut every reader sees the pending bytes, sizes included.
                assertThat(Files.readString(mnt("a.log"))).isEqualTo("durable-pending");
                assertThat(Files.size(mnt("b.log"))).isEqualTo(12);
            }
            String account = m.cutPower();
            assertThat(account).contains("power cut");
            assertThat(m.alive()).isFalse();
        }
        assertThat(LossyMount.isMounted(dir.resolve("mnt").toRealPath())).isFalse();
        assertThat(Files.readString(disk("a.log"))).isEqualTo("durable-");
        assertThat(disk("b.log")).as("the name was made durable by the directory fsync, the data never was").exists();
        assertThat(Files.size(disk("b.log"))).isZero();
    }

    @Test
    void overwritesAndTruncatesAtArbitraryOffsetsRollBackToTheLastFsync() throws IOException {
        byte[] base = new byte[10_000];
        for (int i = 0; i < base.length; i++) {
            base[i] = (byte) ('a' + i % 26);
        }
        try (LossyMount m = mount(journal)) {
            try (FileChannel c = open(mnt("seg"))) {
                c.write(ByteBuffer.wrap(base), 0);
                c.force(true);
                write(c, "XXXX", 4_998);     // straddles nothing special, inside the durable part
                write(c, "YYYYYYYY", 9_996); // half over the durable end, half appended
                c.truncate(3_000);             // then cuts most of it away
                write(c, "ZZ", 5_000);         // and leaves a hole
                assertThat(c.size()).isEqualTo(5_002);
                ByteBuffer r = ByteBuffer.allocate(4);
                c.read(r, 2_999);
                assertThat(r.array()).isEqualTo(new byte[] {base[2_999], 0, 0, 0});
            }
            m.cutPower();
        }
        assertThat(Files.readAllBytes(disk("seg"))).isEqualTo(base);
    }

    @Test
    void aSecondFsyncMovesTheDurablePoint() throws IOException {
        try (LossyMount m = mount(journal)) {
            try (FileChannel c = open(mnt("f"))) {
                write(c, "one", 0);
                c.force(false);
                write(c, "TWO", 0);
                c.force(false);
                write(c, "333", 3);
            }
            fsyncDir(dir.resolve("mnt"));
            m.cutPower();
        }
        assertThat(Files.readString(disk("f"))).isEqualTo("TWO");
    }

    @Test
    void journalModelAnyFsyncCommitsNamespaceChangesButNoFsyncLosesThem() throws IOException {
        try (LossyMount m = mount(journal)) {
            Files.createDirectories(mnt("topics/t/0"));
            try (FileChannel c = open(mnt("topics/t/0/seg.tmp"))) {
                write(c, "v1", 0);
                c.force(true); // commits the mkdirs and the create, as ext4's journal would
            }
            Files.move(mnt("topics/t/0/seg.tmp"), mnt("topics/t/0/seg"), StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(mnt("loose"), "x"); // created after the last fsync
            m.cutPower();
        }
        assertThat(disk("topics/t/0/seg.tmp")).as("the rename had no fsync after it").exists();
        assertThat(Files.readString(disk("topics/t/0/seg.tmp"))).isEqualTo("v1");
        assertThat(disk("topics/t/0/seg")).doesNotExist();
        assertThat(disk("loose")).doesNotExist();
    }

    @Test
    void posixModelRenameNeedsTheDirectoryFsync() throws IOException {
        try (LossyMount m = mount(posix)) {
            Files.writeString(mnt("state"), "old");
            try (FileChannel c = FileChannel.open(mnt("state"), StandardOpenOption.WRITE)) {
                c.force(true);
            }
            fsyncDir(dir.resolve("mnt"));
            try (FileChannel c = open(mnt("state.tmp"))) {
                write(c, "new", 0);
                c.force(true); // data durable, but in POSIX terms its name is not
            }
            Files.move(mnt("state.tmp"), mnt("state"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertThat(Files.readString(mnt("state"))).isEqualTo("new");
            m.cutPower();
        }
        assertThat(Files.readString(disk("state"))).as("the replaced file comes back").isEqualTo("old");
        assertThat(disk("state.tmp")).as("the temp file's create was never made durable").doesNotExist();

        try (LossyMount m = mount(posix)) {
            try (FileChannel c = open(mnt("state.tmp"))) {
                write(c, "new", 0);
                c.force(true);
            }
            Files.move(mnt("state.tmp"), mnt("state"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir(dir.resolve("mnt"));
            m.cutPower();
        }
        assertThat(Files.readString(disk("state"))).isEqualTo("new");
        assertThat(disk("state.tmp")).doesNotExist();
    }

    @Test
    void posixModelUnlinkWithoutDirectoryFsyncComesBack() throws IOException {
        try (LossyMount m = mount(posix)) {
            try (FileChannel c = open(mnt("old-seg"))) {
                write(c, "data", 0);
                c.force(true);
            }
            fsyncDir(dir.resolve("mnt"));
            Files.delete(mnt("old-seg"));
            assertThat(mnt("old-seg")).doesNotExist();
            m.cutPower();
        }
        assertThat(Files.readString(disk("old-seg"))).isEqualTo("data");
        assertThat(Arrays.asList(dir.toFile().list())).as("the stash is cleaned up").doesNotContain("disk.lossyfs-stash");
    }

    @Test
    void cleanUnmountKeepsEverything() throws IOException {
        try (LossyMount m = mount(posix)) {
            Files.writeString(mnt("kept"), "unsynced but cleanly unmounted");
            Files.delete(Files.writeString(mnt("gone"), "x"));
        }
        assertThat(Files.readString(disk("kept"))).isEqualTo("unsynced but cleanly unmounted");
        assertThat(disk("gone")).doesNotExist();
        assertThat(LossyMount.isMounted(dir.resolve("mnt").toRealPath())).isFalse();
    }
}
