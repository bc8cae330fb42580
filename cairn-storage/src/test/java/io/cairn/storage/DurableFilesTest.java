package io.cairn.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file-system side of {@link DurableFiles} on a real directory. That the fsyncs make the names
 * survive a power cut is shown by the chaos power-loss fault (cairn-lossyfs), not here.
 */
class DurableFilesTest {
    @TempDir
    Path tmp;

    @Test
    void createsEveryMissingLevelAndIsIdempotent() throws Exception {
        Path deep = tmp.resolve("a/b/c");
        DurableFiles.createDirectories(deep);
        assertThat(deep).isDirectory();
        DurableFiles.createDirectories(deep);
        assertThat(deep).isDirectory();
    }

    @Test
    void writeAtomicallyReplacesTheContentAndLeavesNoTempFile() throws Exception {
        Path file = tmp.resolve("topics/t/topic-id");
        DurableFiles.writeAtomically(file, "1\n".getBytes(StandardCharsets.UTF_8));
        DurableFiles.writeAtomically(file, "22\n".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(file)).isEqualTo("22\n");
        try (var listing = Files.list(file.getParent())) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("topic-id");
        }
    }
}
