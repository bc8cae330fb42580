package io.cairn.chaos.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The power-loss filesystem {@code cairn-lossyfs} (C source in {@code src/main/c}, shipped inside
 * the jar): compiles it with gcc against libfuse3 on first use, proves a mount works, and mounts
 * it. A mount passes everything through to a backing directory but remembers what was not fsynced;
 * {@link LossyMount#cutPower()} throws that away, as a power cut would.
 */
public final class LossyFs {
    /** Durability model of namespace changes (create, rename, unlink, mkdir); file data is always per-file fsync. */
    public enum Metadata {
        /** Any fsync commits every earlier namespace change (ext4/xfs: one ordered metadata journal). */
        JOURNAL,
        /** A namespace change is durable only once its directory is fsynced (the letter of POSIX). */
        POSIX;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** FUSE cannot be used here; the message says why and what to install. */
    public static final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }

    static final String SOURCE = "cairn-lossyfs.c";
    /** Bound on compiling the filesystem. */
    static final long COMPILE_TIMEOUT_S = 120;
    /** Bound on a mount becoming visible, and on a cut or unmount completing. */
    static final long MOUNT_TIMEOUT_MS = 15_000;

    /** Upper bound of the simulated fsync latency. */
    public static final int FSYNC_DELAY_MS_MAX = 10_000;

    private final Path binary;
    private final Metadata metadata;
    private final int fsyncDelayMs;

    private LossyFs(Path binary, Metadata metadata, int fsyncDelayMs) {
        this.binary = binary;
        this.metadata = metadata;
        this.fsyncDelayMs = fsyncDelayMs;
    }

    /**
     * The same filesystem with every file fsync taking {@code ms} (a real disk's latency; 0 = instant).
     * A longer fsync widens the window in which acknowledged-but-unsynced data can exist, so bugs
     * that acknowledge while the fsync still runs are caught by a cut more often.
     */
    public LossyFs withFsyncDelayMs(int ms) {
        if (ms < 0 || ms > FSYNC_DELAY_MS_MAX) {
            throw new IllegalArgumentException("fsync delay must be 0.." + FSYNC_DELAY_MS_MAX + " ms, got " + ms);
        }
        return new LossyFs(binary, metadata, ms);
    }

    public int fsyncDelayMs() {
        return fsyncDelayMs;
    }

    public Path binary() {
        return binary;
    }

    public Metadata metadata() {
        return metadata;
    }

    /**
     * Compiles the filesystem into {@code workDir} (reused when the source is unchanged) and mounts
     * and cuts a probe once, so a harness that cannot use FUSE learns it before any node starts.
     */
    public static LossyFs prepare(Path workDir, Metadata metadata) throws Unavailable {
        return prepare(workDir, metadata, Path.of("/dev/fuse"));
    }

    /** As {@link #prepare(Path, Metadata)} with the FUSE device at {@code dev} (tests point it elsewhere). */
    static LossyFs prepare(Path workDir, Metadata metadata, Path dev) throws Unavailable {
        if (!Files.exists(dev)) {
            throw new Unavailable(dev + " does not exist (no FUSE in this kernel or container; a container needs --device /dev/fuse)");
        }
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
            throw new Unavailable(dev + " is not readable and writable by this user");
        }
        if (which("fusermount3") == null) {
            throw new Unavailable("fusermount3 is not installed (apt-get install fuse3)");
        }
        if (which("gcc") == null) {
            throw new Unavailable("gcc is not installed (needed to build " + SOURCE + ")");
        }
        String flags;
        try {
            Run pc = run(List.of("pkg-config", "--cflags", "--libs", "fuse3"), 30);
            if (pc.code != 0) {
                throw new Unavailable("libfuse3 development files are missing (apt-get install libfuse3-dev pkg-config): " + pc.output.strip());
            }
            flags = pc.output.strip();
        } catch (IOException e) {
            throw new Unavailable("pkg-config is not installed (apt-get install pkg-config libfuse3-dev): " + e.getMessage());
        }
        Path bin;
        try {
            byte[] src;
            try (InputStream in = LossyFs.class.getResourceAsStream(SOURCE)) {
                if (in == null) {
                    throw new Unavailable(SOURCE + " is missing from the harness's classpath");
                }
                src = in.readAllBytes();
            }
            Files.createDirectories(workDir);
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(src), 0, 6);
            bin = workDir.resolve("cairn-lossyfs-" + hash).toAbsolutePath();
            if (!Files.isExecutable(bin)) {
                Path c = workDir.resolve(SOURCE);
                Files.write(c, src);
                Path tmp = workDir.resolve("cairn-lossyfs-" + hash + ".tmp").toAbsolutePath();
                List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-o", tmp.toString(), c.toAbsolutePath().toString()));
                cmd.addAll(List.of(flags.split("\\s+")));
                Run cc = run(cmd, COMPILE_TIMEOUT_S);
                if (cc.code != 0) {
                    throw new Unavailable("compiling " + SOURCE + " failed: " + cc.output.strip());
                }
                Files.move(tmp, bin, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new Unavailable("cannot build " + SOURCE + ": " + e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        LossyFs fs = new LossyFs(bin, metadata, 0);
        Path probe = workDir.resolve("probe");
        try {
            Files.createDirectories(probe.resolve("disk"));
            Files.createDirectories(probe.resolve("mnt"));
            try (LossyMount m = fs.mount(probe.resolve("disk"), probe.resolve("mnt"), probe.resolve("probe.log"))) {
                Files.writeString(probe.resolve("mnt").resolve("probe"), "probe");
                m.cutPower();
            }
            if (Files.exists(probe.resolve("disk").resolve("probe"))) {
                throw new Unavailable("the probe mount kept an unsynced file across a power cut; the filesystem is broken");
            }
        } catch (IOException | RuntimeException e) {
            throw new Unavailable("mounting FUSE failed (" + e.getMessage() + ")");
        }
        return fs;
    }

    /**
     * Mounts {@code backing} on {@code mountPoint} (both existing directories); output goes to
     * {@code log}. Returns once the mount is visible in {@code /proc/self/mountinfo}.
     */
    public LossyMount mount(Path backing, Path mountPoint, Path log) throws IOException {
        return LossyMount.start(binary, List.of("--metadata=" + metadata.wire(), "--fsync-delay-ms=" + fsyncDelayMs), backing,
                mountPoint, log);
    }

    static String which(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : path.split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        for (String d : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(d, name))) {
                return d + "/" + name;
            }
        }
        return null;
    }

    record Run(int code, String output) {}

    static Run run(List<String> cmd, long timeoutS) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(-1, String.join(" ", cmd) + " did not finish within " + timeoutS + " s");
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while running " + cmd.get(0)));
        }
    }
}
