package io.cairn.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicStateFileTest {
    @TempDir
    Path dir;

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void missingFileReadsAsEmpty() throws Exception {
        assertThat(new AtomicStateFile(dir.resolve("raft.state")).read()).isEmpty();
    }

    @Test
    void writeThenReadReturnsTheLatestContent() throws Exception {
        AtomicStateFile f = new AtomicStateFile(dir.resolve("sub/raft.state"));
        f.write(bytes("term=3 vote=2"));
        assertThat(f.read()).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("term=3 vote=2")));
        f.write(bytes("term=4 vote=none"));
        assertThat(new AtomicStateFile(dir.resolve("sub/raft.state")).read())
                .hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("term=4 vote=none")));
        f.write(new byte[0]);
        assertThat(f.read()).hasValueSatisfying(b -> assertThat(b).isEmpty());
        try (var files = Files.list(dir.resolve("sub"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("raft.state");
        }
    }

    @Test
    void aLeftoverTempFileFromACrashDoesNotChangeWhatIsRead() throws Exception {
        AtomicStateFile f = new AtomicStateFile(dir.resolve("node.id"));
        f.write(bytes("node-1"));
        Files.write(dir.resolve("node.id.tmp"), bytes("half-writ"));
        assertThat(f.read()).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("node-1")));
        f.write(bytes("node-1b"));
        assertThat(f.read()).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("node-1b")));
    }

    @Test
    void aDamagedFileIsRejectedWithATypedError() throws Exception {
        Path p = dir.resolve("raft.state");
        AtomicStateFile f = new AtomicStateFile(p);
        f.write(bytes("term=7 vote=3"));
        long size = Files.size(p);
        for (long at = 0; at < size; at++) {
            f.write(bytes("term=7 vote=3"));
            try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
                raf.seek(at);
                int b = raf.read();
                raf.seek(at);
                raf.write(b ^ 1);
            }
            assertThatThrownBy(f::read).as("flipped byte %d", at).isInstanceOf(StateFileCorruptException.class);
        }
        for (long len = 0; len < size; len++) {
            f.write(bytes("term=7 vote=3"));
            try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
                raf.setLength(len);
            }
            assertThatThrownBy(f::read).as("cut to %d", len).isInstanceOf(StateFileCorruptException.class);
        }
    }

    @Test
    void oversizedContentIsRefusedAndTheOldContentKept() throws Exception {
        AtomicStateFile f = new AtomicStateFile(dir.resolve("snap"));
        f.write(bytes("small"));
        assertThatThrownBy(() -> f.write(new byte[AtomicStateFile.CONTENT_BYTES_MAX + 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(f.read()).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("small")));
    }

    @Test
    void deleteRemovesTheFile() throws Exception {
        AtomicStateFile f = new AtomicStateFile(dir.resolve("x"));
        f.write(bytes("x"));
        f.delete();
        assertThat(f.read()).isEmpty();
        f.delete();
    }
}
