package io.cairn.server.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The root launcher script {@code ./cairn} as a real bash process: where it looks for a JDK
 * (JAVA_HOME, then PATH, then the system's JVM folders), and when it rebuilds the server jar
 * (only when a source or build file is newer than the jar).
 *
 * <p>The JDKs and Maven it finds here are small shell scripts standing in for them, so that the
 * search order and the staleness check can be observed (which JDK was chosen, whether and how
 * Maven was called) without a real build; the script itself is the real one, copied unchanged.
 * The real build and the real JDK search are what every {@code ./cairn mvn} and {@code ./cairn test}
 * run exercises (CI's {@code .ci/run} calls {@code ./cairn test}).
 */
class LauncherIT {
    /** The real launcher at the repository root (tests run in the module's directory). */
    private static final Path LAUNCHER = Path.of("..", "cairn").toAbsolutePath().normalize();
    /** Where bash, awk, find and the other tools the launcher uses live; no JDK of ours is there. */
    private static final String SYSTEM_PATH = "/usr/bin:/bin";

    @TempDir
    Path tmp;

    record Run(int exit, String stdout, String stderr) {}

    /** Runs {@code cairn args} in {@code root} with exactly {@code env} (plus HOME), bounded in time. */
    private Run run(Path root, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", root.resolve("cairn").toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().clear();
        // A HOME of our own, so a JDK under the real ~/.sdkman or ~/Library cannot be picked up.
        Path home = Files.createDirectories(tmp.resolve("home"));
        pb.environment().put("HOME", home.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("cairn " + String.join(" ", args) + " did not exit within 60 s");
            }
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A directory that looks like a JDK of the given major version to the launcher. */
    private Path fakeJdk(String name, int major) throws IOException {
        Path jdk = tmp.resolve(name);
        Path bin = Files.createDirectories(jdk.resolve("bin"));
        // The launcher asks `java -XshowSettings:properties -version` (stderr) for the version;
        // any other call prints its arguments so the test can see how java was run.
        executable(bin.resolve("java"), """
                #!/bin/sh
                case "$*" in *-XshowSettings*) echo "    java.specification.version = %d" >&2; exit 0;; esac
                echo "fake-java $*"
                """.formatted(major));
        executable(bin.resolve("javac"), "#!/bin/sh\nexit 0\n");
        return jdk.toRealPath();
    }

    private static void executable(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A copy of the repository root holding the real launcher only. */
    private Path launcherRoot() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("repo"));
        Files.copy(LAUNCHER, root.resolve("cairn"), StandardCopyOption.COPY_ATTRIBUTES);
        return root.toRealPath();
    }

    @Test
    void javaHomeComesFirst() throws Exception {
        Path fromJavaHome = fakeJdk("jdk-home-22", 22);
        Path onPath = fakeJdk("jdk-path-23", 23);
        Run r = run(launcherRoot(), Map.of("JAVA_HOME", fromJavaHome.toString(),
                "PATH", onPath.resolve("bin") + ":" + SYSTEM_PATH), "java-home");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout().strip()).isEqualTo(fromJavaHome.toString());
    }

    @Test
    void aJavaHomeOlderThan21IsPassedOverForTheJavaOnPath() throws Exception {
        Path old = fakeJdk("jdk-home-17", 17);
        Path onPath = fakeJdk("jdk-path-23", 23);
        Run r = run(launcherRoot(), Map.of("JAVA_HOME", old.toString(),
                "PATH", onPath.resolve("bin") + ":" + SYSTEM_PATH), "java-home");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout().strip()).isEqualTo(onPath.toString());
    }

    @Test
    void withNoUsableJavaHomeOrPathTheSystemJvmFoldersAreSearched() throws Exception {
        // This test's own JVM is the JDK the launcher found for the build; it can only be found
        // again by the folder search if it lives in one of those folders (Debian, macOS).
        Path running = Path.of(System.getProperty("java.home")).toRealPath();
        assumeTrue(running.startsWith("/usr/lib/jvm") || running.startsWith("/Library/Java/JavaVirtualMachines"),
                "the JDK running this test is not in /usr/lib/jvm or /Library/Java/JavaVirtualMachines: " + running);
        Path old = fakeJdk("jdk-path-17", 17);
        Run r = run(launcherRoot(), Map.of("JAVA_HOME", old.toString(),
                "PATH", old.resolve("bin") + ":" + SYSTEM_PATH), "java-home");
        assertThat(r.exit()).as(r.stderr()).isZero();
        Path found = Path.of(r.stdout().strip());
        assertThat(found.toString()).startsWith(running.startsWith("/usr/lib/jvm") ? "/usr/lib/jvm/"
                : "/Library/Java/JavaVirtualMachines/");
        assertThat(Files.isExecutable(found.resolve("bin/javac"))).isTrue();
        Process version = new ProcessBuilder(found.resolve("bin/java").toString(), "-XshowSettings:properties",
                "-version").redirectErrorStream(true).start();
        try {
            String text = new String(version.getInputStream().readAllBytes());
            assertThat(version.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String spec = text.lines().filter(l -> l.contains("java.specification.version")).findFirst().orElseThrow();
            assertThat(Integer.parseInt(spec.substring(spec.indexOf('=') + 1).strip())).isGreaterThanOrEqualTo(21);
        } finally {
            version.destroyForcibly();
        }
    }

    @Test
    void theServerJarIsRebuiltOnlyWhenASourceOrPomIsNewerThanIt() throws Exception {
        Path root = launcherRoot();
        Path jdk = fakeJdk("jdk-22", 22);
        // Maven stand-in: logs how it was called and with which JDK, and "builds" the jar.
        executable(root.resolve("mvnw"), """
                #!/bin/sh
                echo "JAVA_HOME=$JAVA_HOME $*" >> "$(dirname "$0")/mvnw.calls"
                case "$*" in *package*)
                  mkdir -p "$(dirname "$0")/cairn-server/target"
                  touch "$(dirname "$0")/cairn-server/target/cairn-server.jar";;
                esac
                """);
        Path pom = root.resolve("pom.xml");
        Files.writeString(pom, "<project/>");
        Path source = root.resolve("cairn-server/src/main/java/io/cairn/Main.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class Main {}");
        Path notASource = root.resolve("data/partition/00000000000000000000.log");
        Files.createDirectories(notASource.getParent());
        Files.writeString(notASource, "data");
        Path jar = root.resolve("cairn-server/target/cairn-server.jar");
        // CAIRN_CDS=0: no class-data archive training run (that needs a real JDK and jar).
        Map<String, String> env = new HashMap<>(Map.of("JAVA_HOME", jdk.toString(), "PATH", SYSTEM_PATH,
                "CAIRN_CDS", "0"));

        // First run: no jar yet, so it builds with the JDK it found, then runs the jar with the arguments.
        Run first = run(root, env, "start", "--port", "7");
        assertThat(first.exit()).as(first.stderr()).isZero();
        assertThat(calls(root)).hasSize(1);
        assertThat(calls(root).get(0)).startsWith("JAVA_HOME=" + jdk + " ").contains("package", "-DskipTests");
        assertThat(first.stdout()).contains("fake-java ").contains("-jar " + jar + " start --port 7");

        // Times in the past, so the jar the stand-in "builds" (now) is newer than every edit below.
        Instant t0 = Instant.now().minusSeconds(3600);
        setTime(jar, t0);
        setTime(source, t0.minusSeconds(100));
        setTime(pom, t0.minusSeconds(100));

        Run upToDate = run(root, env, "start");
        assertThat(upToDate.exit()).as(upToDate.stderr()).isZero();
        assertThat(calls(root)).as("nothing is newer than the jar: no build").hasSize(1);
        assertThat(upToDate.stdout()).contains("-jar " + jar + " start");

        setTime(notASource, t0.plusSeconds(100));
        run(root, env, "start");
        assertThat(calls(root)).as("a data file is not a source: no build").hasSize(1);

        setTime(source, t0.plusSeconds(100));
        Run afterEdit = run(root, env, "start");
        assertThat(afterEdit.exit()).as(afterEdit.stderr()).isZero();
        assertThat(calls(root)).as("a source newer than the jar: one build").hasSize(2);

        setTime(jar, t0.plusSeconds(200));
        setTime(pom, t0.plusSeconds(300));
        run(root, env, "start");
        assertThat(calls(root)).as("a pom.xml newer than the jar: one build").hasSize(3);
    }

    @Test
    void testRunsTheWholeMavenVerifyWithTheSameJdk() throws Exception {
        Path root = launcherRoot();
        Path jdk = fakeJdk("jdk-22", 22);
        executable(root.resolve("mvnw"), """
                #!/bin/sh
                echo "JAVA_HOME=$JAVA_HOME $*" >> "$(dirname "$0")/mvnw.calls"
                """);
        Run r = run(root, Map.of("JAVA_HOME", jdk.toString(), "PATH", SYSTEM_PATH), "test", "-Dextra=1");
        assertThat(r.exit()).as(r.stderr()).isZero();
        // verify runs every module's unit tests and ITs (surefire includes *Test and *IT); no -pl, no skips.
        assertThat(calls(root)).containsExactly("JAVA_HOME=" + jdk + " -f " + root.resolve("pom.xml")
                + " -B verify -Dextra=1");
    }

    private static List<String> calls(Path root) throws IOException {
        Path log = root.resolve("mvnw.calls");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private static void setTime(Path file, Instant t) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(t));
    }
}
