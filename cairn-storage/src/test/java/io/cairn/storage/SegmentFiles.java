package io.cairn.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What tests read from segment files directly, independent of the code under test. */
final class SegmentFiles {
    private SegmentFiles() {
    }

    /**
     * The length of a {@code .log} file up to its last non-zero byte: the frames, without the
     * zeros the active segment keeps written ahead of them. Test payloads end in text, so a frame
     * never ends in a zero byte.
     */
    static long frameBytes(Path logFile) throws IOException {
        byte[] b = Files.readAllBytes(logFile);
        int end = b.length;
        while (end > 0 && b[end - 1] == 0) {
            end--;
        }
        return end;
    }
}
