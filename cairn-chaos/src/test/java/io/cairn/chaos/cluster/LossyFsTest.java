package io.cairn.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.chaos.ChaosMain;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where FUSE is missing, a run that asked for power loss is refused with the reason, not skipped. */
class LossyFsTest {
    @TempDir
    Path dir;

    @Test
    void missingFuseDeviceIsAClearRefusal() {
        assertThatThrownBy(() -> LossyFs.prepare(dir, LossyFs.Metadata.JOURNAL, dir.resolve("no-such-fuse")))
                .isInstanceOf(LossyFs.Unavailable.class).hasMessageContaining("no-such-fuse").hasMessageContaining("does not exist");
    }

    @Test
    void unusableFuseDeviceIsAClearRefusal() throws Exception {
        Path dev = Files.createFile(dir.resolve("fuse"));
        dev.toFile().setReadable(false, false);
        dev.toFile().setWritable(false, false);
        // root may read anything regardless of mode bits; then the refusal comes later or not at all.
        if (!Files.isReadable(dev)) {
            assertThatThrownBy(() -> LossyFs.prepare(dir, LossyFs.Metadata.JOURNAL, dev))
                    .isInstanceOf(LossyFs.Unavailable.class).hasMessageContaining("not readable and writable");
        }
    }

    @Test
    void aPowerlossRunThatCannotMountExitsWith2AndSaysWhy() throws Exception {
        Path out = Files.createDirectories(dir.resolve("run"));
        Files.writeString(out.resolve("lossyfs"), "a file where the filesystem would be built");
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        int code;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            code = ChaosMain.run("--server-jar", dir.resolve("unused.jar").toString(), "--nodes", "1", "--duration", "1s",
                    "--faults", "kill,powerloss", "--seed", "1", "--out", out.toString());
        } finally {
            System.setErr(saved);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("the powerloss fault needs FUSE");
        assertThat(out.resolve("logs")).as("no node was started").doesNotExist();
    }
}
