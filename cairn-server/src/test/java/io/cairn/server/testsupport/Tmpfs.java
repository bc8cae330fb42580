package io.cairn.server.testsupport;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for one test, so the test can fill a real file system to ENOSPC.
 * Mounting needs root (or CAP_SYS_ADMIN); CI runs as root. Where the mount is refused, the
 * calling test is skipped, saying why.
 */
public final class Tmpfs implements AutoCloseable {
    /** Bound on {@code mount}/{@code umount}, so a hung command cannot hang the test run. */
    private static final long COMMAND_TIMEOUT_S = 30;

    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /**
     * Mounts a tmpfs of {@code size} ({@code mount -o size=}, e.g. "8m") on {@code dir}, created if
     * missing; skips the calling test where mounting is refused, naming {@code whatStillRuns}.
     */
    public static Tmpfs mountOrSkip(Path dir, String size, String whatStillRuns) throws Exception {
        Files.createDirectories(dir);
        int rc;
        try {
            rc = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        } catch (IOException e) {
            rc = -1;
        }
        Assumptions.assumeTrue(rc == 0, "cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN); " + whatStillRuns);
        return new Tmpfs(dir);
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() throws Exception {
        run("umount", dir.toString());
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(COMMAND_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
