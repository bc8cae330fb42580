package io.cairn.bench.node;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The JVM options {@code cairn start} runs a node with, asked from the launcher itself
 * ({@code cairn jvm-opts}), so a node the harness spawns directly starts exactly as a user's
 * does: same collector and heap, same class-data archive. Asked once per launcher, before any
 * timing starts. A launcher too old to answer (before {@code jvm-opts} existed) gets
 * {@link #OLD_LAUNCHER_OPTS}, what such launchers used, so an older build is measured as it ran.
 */
public final class LauncherJvmOpts {
    /** The fixed options of launchers without {@code jvm-opts}: no class-data archive, 512m initial heap. */
    public static final String OLD_LAUNCHER_OPTS = "-XX:+UseZGC -Xms512m -Xmx2g";
    /** How long {@code cairn jvm-opts} may take (it only finds the JDK and prints). */
    static final long ASK_TIMEOUT_MS = 60_000;

    private static final ConcurrentHashMap<String, List<String>> CACHE = new ConcurrentHashMap<>();

    private LauncherJvmOpts() {}

    /** The options for the server jar. */
    public static List<String> forServer(Path cairn) {
        return CACHE.computeIfAbsent(cairn.toString(), k -> ask(cairn));
    }

    private static List<String> ask(Path cairn) {
        List<String> cmd = new ArrayList<>(List.of(cairn.toString(), "jvm-opts"));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            p.getInputStream().transferTo(out);
            if (!p.waitFor(ASK_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return fallback();
            }
            List<String> opts = out.toString(StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> l.startsWith("-")).toList();
            return p.exitValue() == 0 && !opts.isEmpty() ? opts : fallback();
        } catch (IOException e) {
            return fallback();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback();
        }
    }

    private static List<String> fallback() {
        return Arrays.asList(OLD_LAUNCHER_OPTS.split(" "));
    }
}
