package io.cairn.bench;

import io.cairn.bench.node.Processes;
import io.cairn.bench.scenario.SingleScenario;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn bench <scenario> …}: each scenario prints one markdown table. The launcher passes
 * {@code --cairn <path to ./cairn>} first so scenarios can start nodes the way a user does.
 */
@Command(name = "cairn bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print markdown tables; never pass/fail.",
        subcommands = {
            SingleScenario.class,
            io.cairn.bench.scenario.BatchScenario.class,
            io.cairn.bench.scenario.ClusterScenario.class,
            io.cairn.bench.scenario.RestartScenario.class,
            io.cairn.bench.scenario.CatchupScenario.class,
            io.cairn.bench.scenario.LoadCommand.class,
            io.cairn.bench.scenario.FsyncCommand.class,
            io.cairn.bench.scenario.JfrTopCommand.class,
            io.cairn.bench.jmh.JmhCommand.class,
        })
public final class BenchMain {
    @Option(names = "--cairn", description = "path to the cairn launcher (the launcher passes it)")
    Path cairn = Path.of("./cairn");

    public Path cairn() {
        return cairn.toAbsolutePath();
    }

    /** The load generator's own JVM settings: a low-pause collector, so its pauses do not pollute client-side tails. */
    static final java.util.List<String> CLIENT_JVM_OPTS =
            java.util.List.of("-XX:+UseZGC", "-Xms256m", "-Xmx1g", "--enable-native-access=ALL-UNNAMED",
                    "-Dio.netty.leakDetection.level=disabled");

    public static void main(String[] args) throws Exception {
        if (needsLowPauseJvm()) {
            System.exit(reexec(args));
        }
        int code;
        try {
            BenchMain main = new BenchMain();
            CommandLine cl = new CommandLine(main);
            cl.setExecutionStrategy(parseResult -> {
                io.cairn.bench.scenario.Report.recordBuild(main.cairn().getParent());
                return new CommandLine.RunLast().execute(parseResult);
            });
            code = cl.execute(args);
        } finally {
            Processes.killAll();
        }
        System.exit(code);
    }

    /**
     * The launcher starts this jar with the JVM's default collector (G1), whose young pauses of a
     * few ms would show up in the client-side p99.9. Rather than change the shared launcher, the
     * harness re-runs itself once with {@link #CLIENT_JVM_OPTS}.
     */
    private static boolean needsLowPauseJvm() {
        if (System.getProperty("cairn.bench.reexec") != null) {
            return false;
        }
        boolean zgc = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .anyMatch(b -> b.getName().startsWith("ZGC"));
        String jar = BenchMain.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        return !zgc && jar.endsWith(".jar");
    }

    private static int reexec(String[] args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(CLIENT_JVM_OPTS);
        cmd.add("-Dcairn.bench.reexec=1");
        cmd.add("-cp");
        cmd.add(Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        cmd.add(BenchMain.class.getName());
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        // If this parent is stopped (Ctrl-C hits the whole process group anyway), take the child along.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (p.isAlive()) {
                p.destroy();
            }
        }));
        return p.waitFor();
    }
}
