package io.cairn.chaos.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a node process is started: the command prefix before {@code start <flags>}. Three ways, so
 * the harness works from the launcher ({@code ./cairn start}), from a built jar, and inside Maven
 * tests where only the test classpath exists (no shaded jar before the package phase).
 */
public record ServerLauncher(List<String> prefix, String description) {

    /** Main class of the server on a plain classpath. */
    public static final String SERVER_MAIN = "io.cairn.server.cli.Main";

    /** Heap per node: small, because up to seven nodes share the machine with the workload. */
    static final List<String> NODE_JVM_OPTS = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    public static ServerLauncher jar(Path javaBin, Path serverJar) {
        List<String> p = new ArrayList<>();
        p.add(javaBin.toString());
        p.addAll(NODE_JVM_OPTS);
        p.add("-jar");
        p.add(serverJar.toString());
        return new ServerLauncher(List.copyOf(p), "java -jar " + serverJar);
    }

    public static ServerLauncher classpath(Path javaBin, String classpath) {
        List<String> p = new ArrayList<>();
        p.add(javaBin.toString());
        p.addAll(NODE_JVM_OPTS);
        p.add("-cp");
        p.add(classpath);
        p.add(SERVER_MAIN);
        return new ServerLauncher(List.copyOf(p), "java -cp <classpath> " + SERVER_MAIN);
    }

    /** {@code <cairn> start ...}: the launcher execs the JVM, so the process id is the node's. */
    public static ServerLauncher script(Path cairn) {
        return new ServerLauncher(List.of(cairn.toString()), cairn + " (launcher)");
    }

    /** The JVM running this harness; any JDK that runs the harness can run a node. */
    public static Path currentJava() {
        return Path.of(ProcessHandle.current().info().command().orElse("java"));
    }

    /**
     * Picks the best way to start nodes given the launcher path the {@code ./cairn} script passes:
     * the server jar next to it if built (no rebuild check per start), else the launcher itself.
     */
    public static ServerLauncher forCairn(Path cairn) {
        Path jar = cairn.toAbsolutePath().getParent().resolve("cairn-server/target/cairn-server.jar");
        if (Files.isRegularFile(jar)) {
            return jar(currentJava(), jar);
        }
        return script(cairn);
    }

    /** Launcher for tests: the server classes are on this JVM's classpath. */
    public static ServerLauncher fromTestClasspath() {
        return classpath(currentJava(), System.getProperty("java.class.path"));
    }
}
