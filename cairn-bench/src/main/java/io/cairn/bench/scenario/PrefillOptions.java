package io.cairn.bench.scenario;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Flags of the scenarios that fill a log before timing recovery ({@code restart}, {@code catchup}). */
public final class PrefillOptions {
    @Option(names = "--records", description = "records to write before the fault (default ${DEFAULT-VALUE})")
    long records = 8_000_000;

    @Option(names = "--value-bytes", description = "record value size (default ${DEFAULT-VALUE})")
    int valueBytes = 64;

    @Option(names = "--work-dir", description = "where node data and logs go (default: a new temp dir)")
    Path workDir;

    @Option(names = "--keep", description = "keep the work dir afterwards")
    boolean keep;

    @Option(names = "--jvm-opts", description = "extra JVM options for the nodes")
    String jvmOpts = "";

    /** The work-dir handling shared with the load scenarios (temp dir, {@code --keep}, clean-up). */
    CommonOptions dirs() {
        CommonOptions dirs = new CommonOptions();
        dirs.workDir = workDir;
        dirs.keep = keep;
        return dirs;
    }
}
