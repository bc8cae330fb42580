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
            io.cairn.bench.jmh.JmhCommand.class,
        })
public final class BenchMain {
    @Option(names = "--cairn", description = "path to the cairn launcher (the launcher passes it)")
    Path cairn = Path.of("./cairn");

    public Path cairn() {
        return cairn.toAbsolutePath();
    }

    public static void main(String[] args) {
        int code;
        try {
            code = new CommandLine(new BenchMain()).execute(args);
        } finally {
            Processes.killAll();
        }
        System.exit(code);
    }
}
