package io.cairn.server.cli;

import io.cairn.server.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Map;

/**
 * {@code cairn}: the node's command line. Subcommands: {@code start} (one node) and
 * {@code help}. The local-cluster launcher ({@code cairn cluster --nodes 3}) registers here as
 * another subcommand class next to {@link StartCommand}.
 *
 * <p>Failures print exactly one line, {@code cairn: <what is wrong and what to do>}, on stderr
 * and exit 1; usage errors exit 2.
 */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0",
    description = "Cairn: a durability-first event log served over plain HTTP.",
    subcommands = {StartCommand.class, ClusterCommand.class, TrainArchiveCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    /** A failure after parsing, reported as one line. */
    static final class FatalException extends RuntimeException {
        FatalException(String message) {
            super(message, null, false, false);
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        int code = run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.exit(code);
    }

    /** Runs the command line; the exit status is returned instead of exiting (for tests). */
    static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
        SettingSources sources;
        try {
            sources = SettingSources.load(configFlag(args), env);
        } catch (ConfigException e) {
            err.println("cairn: " + e.getMessage());
            return EXIT_FAILURE;
        }
        var cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setDefaultValueProvider(sources);
        CommandLine start = cli.getSubcommands().get("start");
        try {
            var names = new HashSet<String>();
            start.getCommandSpec().options().forEach(o -> names.add(o.longestName().substring(2)));
            // Not settings: 'config' in the file cannot choose the file it is read from, and 'help'
            // there would be ignored; both were accepted silently, so the user's intent was lost.
            names.removeAll(java.util.List.of("config", "help"));
            sources.checkFileKeys(names);
        } catch (ConfigException e) {
            err.println("cairn: " + e.getMessage());
            return EXIT_FAILURE;
        }
        cli.setParameterExceptionHandler((ex, a) -> {
            String message = ex.getMessage();
            if (ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o && sources.originOf(o.longestName()) != null) {
                message += " (from " + sources.originOf(o.longestName()) + ")";
            }
            // One line, so scripts and supervisors show the whole reason.
            err.println("cairn: " + message + "; see 'cairn " + (ex.getCommandLine() == cli ? ""
                : ex.getCommandLine().getCommandName() + " ") + "--help'");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof ConfigException || ex instanceof FatalException) {
                err.println("cairn: " + ex.getMessage());
                return EXIT_FAILURE;
            }
            throw ex;
        });
        return cli.execute(args);
    }

    /** {@code --config FILE} or {@code --config=FILE}, read before parsing so the file can supply defaults. */
    private static String configFlag(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--config=")) {
                return args[i].substring("--config=".length());
            }
        }
        return null;
    }
}
