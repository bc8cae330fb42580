package io.cairn.bench.scenario;

import io.cairn.bench.baseline.FsyncBaseline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn bench fsync}: only the raw write+fsync baseline, 64 B and 4 KiB, one writer. */
@Command(name = "fsync", mixinStandardHelpOptions = true, description = "Raw write+fsync loop (64 B and 4 KiB, one writer).")
public final class FsyncCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "directory on the disk to measure (default ${DEFAULT-VALUE})")
    Path dir = Path.of("data");

    @Option(names = "--duration", converter = DurationConverter.class, description = "per size (default 3s)")
    Duration duration = Duration.ofSeconds(3);

    @Override
    public Integer call() throws Exception {
        Report rep = new Report("fsync — raw disk baseline in " + dir.toAbsolutePath());
        rep.fsync(FsyncBaseline.run(dir, 64, duration));
        rep.fsync(FsyncBaseline.run(dir, 4096, duration));
        System.out.println(rep.render());
        return 0;
    }
}
