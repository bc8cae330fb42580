package io.cairn.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One running {@code cairn-lossyfs} process and its mount. {@link #cutPower()} drops every write
 * not yet fsynced and unmounts; {@link #close()} unmounts keeping everything. Either way the mount
 * is gone afterwards: if the process does not take it down, {@code fusermount3 -u -z} does. Mounts
 * still up when the JVM exits are unmounted by a shutdown hook, and the filesystem also unmounts
 * itself (fusermount3's auto_unmount) should its process die or its parent go away.
 */
public final class LossyMount implements AutoCloseable {
    /** Mounts still up in this JVM, unmounted by the shutdown hook if nothing else did. */
    static final Set<LossyMount> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(LossyMount::closeQuietly), "chaos-unmount"));
    }

    private final Process process;
    private final Path backing;
    private final Path mountPoint;
    private final Path log;

    private LossyMount(Process process, Path backing, Path mountPoint, Path log) {
        this.process = process;
        this.backing = backing;
        this.mountPoint = mountPoint;
        this.log = log;
    }

    static LossyMount start(Path binary, List<String> options, Path backing, Path mountPoint, Path log) throws IOException {
        Path b = backing.toRealPath();
        Path m = mountPoint.toRealPath();
        if (isMounted(m)) {
            throw new IOException(m + " is already a mount point");
        }
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.writeString(log, "=== chaos: mount at " + Instant.now() + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(options);
        cmd.add(b.toString());
        cmd.add(m.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        LossyMount mount = new LossyMount(p, b, m, log);
        LIVE.add(mount);
        long deadline = System.nanoTime() + LossyFs.MOUNT_TIMEOUT_MS * 1_000_000L;
        while (!isMounted(m)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                mount.closeQuietly();
                throw new IOException("cairn-lossyfs did not mount " + m + (p.isAlive() ? " within " + LossyFs.MOUNT_TIMEOUT_MS + " ms"
                        : " (exit code " + p.exitValue() + ")") + ": " + tail(log));
            }
            pause(20);
        }
        return mount;
    }

    public Path backing() {
        return backing;
    }

    public Path mountPoint() {
        return mountPoint;
    }

    public boolean alive() {
        return process.isAlive() && isMounted(mountPoint);
    }

    /**
     * Power cut: every write not yet fsynced is thrown away and the mount goes down. Whoever uses
     * the mount must be dead first (power loss kills them too). Returns the filesystem's one-line
     * account of what was dropped.
     */
    public String cutPower() {
        return finishCut(startCut());
    }

    /** The filesystem process's id, to signal several mounts at one instant. */
    long pid() {
        return process.pid();
    }

    /** Sends the cut; returns the log as it was, for {@link #finishCut}. */
    String startCut() {
        String before = readLog();
        signal("USR1");
        return before;
    }

    /** Log so far, before a cut sent by the caller (see {@link LocalCluster#powerCut}). */
    String logBeforeCut() {
        return readLog();
    }

    /** Waits until the cut is done and the mount is gone; returns the filesystem's account of it. */
    String finishCut(String before) {
        awaitExit();
        String after = readLog();
        String added = after.length() >= before.length() ? after.substring(before.length()) : after;
        return added.lines().filter(l -> l.contains("power cut")).map(l -> l.replace("cairn-lossyfs: ", "")).findFirst()
                .orElse("power cut (no account in " + log + ")");
    }

    /** Clean unmount: everything written stays, as after an orderly shutdown. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: libfuse's handler ends the loop and the filesystem keeps everything.
        }
        awaitExit();
    }

    void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println("chaos: unmounting " + mountPoint + ": " + e.getMessage());
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(LossyFs.MOUNT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(LossyFs.MOUNT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (isMounted(mountPoint)) {
            // The process is gone but the mount is not (it was killed mid-way): detach it lazily.
            try {
                LossyFs.run(List.of("fusermount3", "-u", "-z", mountPoint.toString()), 10);
            } catch (IOException e) {
                throw new UncheckedIOException("fusermount3 -u -z " + mountPoint + " failed", e);
            }
        }
        LIVE.remove(this);
        if (isMounted(mountPoint)) {
            throw new IllegalStateException(mountPoint + " is still mounted after cairn-lossyfs exited");
        }
    }

    private void signal(String sig) {
        try {
            LossyFs.Run r = LossyFs.run(List.of("kill", "-" + sig, String.valueOf(process.pid())), 5);
            if (r.code() != 0 && process.isAlive()) {
                throw new IllegalStateException("kill -" + sig + " " + process.pid() + " failed: " + r.output());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String readLog() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" / ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Whether {@code dir} (a real path) is a mount point, per {@code /proc/self/mountinfo}. */
    static boolean isMounted(Path dir) {
        try {
            String want = dir.toString();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 4 && unescape(f[4]).equals(want)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as octal {@code \040} etc. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
