package io.cairn.chaos;

import io.cairn.chaos.checker.CheckResult;
import io.cairn.chaos.checker.Checker;
import io.cairn.chaos.cluster.LossyFs;
import io.cairn.chaos.cluster.ServerLauncher;
import io.cairn.chaos.history.History;
import io.cairn.chaos.nemesis.FaultKind;
import io.cairn.chaos.nemesis.Nemesis;
import io.cairn.chaos.workload.WorkloadConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./cairn chaos [flags]}: one chaos run, ending with {@code ALL GREEN} (exit 0) or the
 * violations (exit 1); exit 2 means the harness itself could not run (bad flags, nodes that never
 * start). {@code ./cairn chaos check <history.jsonl>} re-checks a recorded history.
 */
@Command(name = "cairn chaos", mixinStandardHelpOptions = true, subcommands = ChaosMain.Check.class,
        description = "Jepsen-style run: real nodes, faults, a recorded history and a checker of Cairn's promises.")
public final class ChaosMain implements Callable<Integer> {
    @Option(names = "--cairn", description = "Path of the ./cairn launcher (passed by the launcher itself).")
    Path cairn;

    @Option(names = "--server-jar", description = "Start nodes from this jar instead of the one next to --cairn.")
    Path serverJar;

    @Option(names = "--nodes", defaultValue = "3", description = "Number of nodes: 1, 3, 5 or 7 (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--duration", defaultValue = "120s", description = "How long faults and workload run (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--faults", defaultValue = "kill,pause,partition,delay,corrupt",
            description = "Comma list of kill,pause,partition,delay,corrupt,powerloss (or all = every fault but powerloss, none)."
                    + " powerloss needs FUSE (exit 2 without it). Default ${DEFAULT-VALUE}.")
    String faults;

    @Option(names = "--powerloss-metadata", defaultValue = "journal",
            description = "When namespace changes (create, rename, unlink, mkdir) survive a power cut: journal = at any fsync"
                    + " (ext4/xfs), posix = only once their directory is fsynced. File data always needs its own fsync. Default ${DEFAULT-VALUE}.")
    String powerlossMetadata;

    @Option(names = "--powerloss-fsync-ms", defaultValue = "0",
            description = "Simulated fsync latency of the powerloss filesystem in ms (0..10000, default ${DEFAULT-VALUE}: instant)."
                    + " A real disk's few ms widen the window a cut can land in.")
    int powerlossFsyncMs;

    @Option(names = "--seed", description = "Seed of the fault schedule and workload choices (default: random, printed).")
    Long seed;

    @Option(names = "--out", description = "Run folder for data, logs, history and reports (default chaos-out/<time>-seed<N>, ignored by git).")
    Path out;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions of the test topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--producers", defaultValue = "4", description = "Single-record producer threads (default ${DEFAULT-VALUE}).")
    int producers;

    @Option(names = "--recovery-bound", defaultValue = "30s",
            description = "After the final heal a write must be acknowledged within this (default ${DEFAULT-VALUE}).")
    String recoveryBound;

    @Option(names = "--node-arg", description = "Extra argument for every node's start command (repeatable), e.g. --node-arg=--segment-bytes=65536.")
    List<String> nodeArgs = new ArrayList<>();

    /** Node flags that make segments seal every few hundred records, so there is sealed data to corrupt. */
    public static final List<String> SMALL_SEGMENT_ARGS = List.of("--segment-bytes=16384", "--max-record-bytes=4096");

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return new CommandLine(new ChaosMain()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println("cairn chaos: " + e.getMessage());
            if (!(e instanceof IllegalArgumentException) && !(e instanceof IllegalStateException)) {
                e.printStackTrace(System.err);
            }
            return 2;
        }).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || nodes > 7) {
            throw new IllegalArgumentException("--nodes must be 1..7 (3, 5 or 7 for a cluster), got " + nodes);
        }
        if (partitions < 1 || partitions > 64) {
            throw new IllegalArgumentException("--partitions must be 1..64, got " + partitions);
        }
        Set<FaultKind> kinds = FaultKind.parse(faults);
        long s = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, 1_000_000);
        Path dir = out != null ? out : Path.of("chaos-out",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-seed" + s);
        ServerLauncher launcher;
        if (serverJar != null) {
            launcher = ServerLauncher.jar(ServerLauncher.currentJava(), serverJar);
        } else if (cairn != null) {
            launcher = ServerLauncher.forCairn(cairn);
        } else {
            throw new IllegalArgumentException("need --cairn <path to ./cairn> or --server-jar <jar>");
        }
        List<String> args = new ArrayList<>(nodeArgs);
        if (kinds.contains(FaultKind.CORRUPT) && args.stream().noneMatch(a -> a.startsWith("--segment-bytes"))) {
            // Corruption needs sealed segments; at the default 128 MiB a run never seals one.
            args.addAll(SMALL_SEGMENT_ARGS);
            System.out.println("chaos: corrupt fault on, nodes get " + SMALL_SEGMENT_ARGS + " so segments seal during the run");
        }
        WorkloadConfig w = WorkloadConfig.defaults(ChaosRun.TOPIC, partitions);
        w = new WorkloadConfig(w.topic(), w.partitions(), producers, w.impatientProducers(), w.batchProducers(), w.batchRecordsMax(), w.readers(),
                w.groupConsumers(), w.opPause(), w.produceTimeoutMs(), w.unknownRetriesMax());
        if (powerlossFsyncMs < 0 || powerlossFsyncMs > LossyFs.FSYNC_DELAY_MS_MAX) {
            throw new IllegalArgumentException("--powerloss-fsync-ms must be 0.." + LossyFs.FSYNC_DELAY_MS_MAX + ", got " + powerlossFsyncMs);
        }
        LossyFs.Metadata metadata = switch (powerlossMetadata) {
            case "journal" -> LossyFs.Metadata.JOURNAL;
            case "posix" -> LossyFs.Metadata.POSIX;
            default -> throw new IllegalArgumentException("--powerloss-metadata must be journal or posix, got " + powerlossMetadata);
        };
        ChaosRun.Options o = new ChaosRun.Options(nodes, Durations.parse(duration), kinds, s, dir, launcher, args, partitions,
                Durations.parse(recoveryBound), Duration.ofSeconds(60), Nemesis.Timing.defaults(), w, metadata, powerlossFsyncMs);
        ChaosRun.Result r = new ChaosRun(o, System.out).run();
        return r.check().allGreen() ? 0 : 1;
    }

    /** Re-checks a recorded history; the recovery bound is not re-checked (the heal time is not in the file). */
    @Command(name = "check", mixinStandardHelpOptions = true, description = "Check a recorded history.jsonl again.")
    static final class Check implements Callable<Integer> {
        @Parameters(index = "0", description = "history.jsonl of a run")
        Path history;

        @Override
        public Integer call() throws Exception {
            History.Loaded h = History.load(history);
            CheckResult r = Checker.check(h.ops(), h.faults(), h.finals(), new Checker.Config(0, -1));
            System.out.println(r.allGreen() ? "ALL GREEN" : "VIOLATIONS (" + r.violations().size() + "):");
            r.violations().forEach(v -> System.out.println("  " + v));
            System.out.printf("acknowledged %d, lost %d, duplicates %d, unknown resolved %d+%d, reads verified %d%n",
                    r.acknowledged(), r.lost(), r.duplicates(), r.unknownPresent(), r.unknownAbsent(), r.readsChecked());
            return r.allGreen() ? 0 : 1;
        }
    }
}
