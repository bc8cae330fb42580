package io.cairn.bench.jmh;

import java.util.concurrent.Callable;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn bench jmh [pattern]}: runs the JMH micro-benchmarks in {@code io.cairn.bench.jmh}
 * whose names match the regex (all by default), in forked JVMs, and prints JMH's own table.
 * Defaults are short (1 fork, 3×1 s warm-up, 5×1 s measurement) to suit a shared 2-core box.
 */
@Command(name = "jmh", mixinStandardHelpOptions = true, description = "Run the JMH micro-benchmarks (regex filter).")
public final class JmhCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", description = "regex over benchmark names (default: all)")
    String pattern = "io\\.cairn\\.bench\\.jmh\\..*";

    @Option(names = "--forks", description = "forked JVMs per benchmark (default ${DEFAULT-VALUE})")
    int forks = 1;

    @Option(names = "--warmup-iterations", description = "default ${DEFAULT-VALUE}")
    int warmupIterations = 3;

    @Option(names = "--iterations", description = "default ${DEFAULT-VALUE}")
    int iterations = 5;

    @Option(names = "--json", description = "also write JMH results as JSON to this file")
    String json;

    @Override
    public Integer call() throws Exception {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(pattern)
                .forks(forks)
                .warmupIterations(warmupIterations)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("-XX:+UseZGC", "-Xmx1g", "--enable-native-access=ALL-UNNAMED");
        if (json != null) {
            b.resultFormat(ResultFormatType.JSON).result(json);
        }
        new Runner(b.build()).run();
        return 0;
    }
}
