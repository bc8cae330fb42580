package io.cairn.bench.scenario;

import io.cairn.bench.report.MarkdownTable;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn bench jfr-top rec.jfr}: where the CPU went, from a JFR recording's
 * {@code jdk.ExecutionSample} events (as {@code jfr print --events jdk.ExecutionSample} shows
 * them), summed into the top methods by self samples (top frame) and by total samples (anywhere
 * on the stack), and by thread. Record a node with
 * {@code --jvm-opts "-XX:StartFlightRecording=filename=node.jfr,settings=profile"}.
 */
@Command(name = "jfr-top", mixinStandardHelpOptions = true,
        description = "Top methods (self and total) and threads from a JFR recording's execution samples.")
public final class JfrTopCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the .jfr file")
    Path file;

    @Option(names = "--top", description = "rows per table (default ${DEFAULT-VALUE})")
    int top = 25;

    @Option(names = "--thread", description = "only samples from threads whose name contains this")
    String thread;

    @Override
    public Integer call() throws Exception {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        try (RecordingFile f = new RecordingFile(file)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                    continue;
                }
                String t = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
                if (thread != null && (t == null || !t.contains(thread))) {
                    continue;
                }
                samples++;
                threads.merge(String.valueOf(t).replaceAll("\\d+", "N"), 1, Integer::sum);
                List<RecordedFrame> frames = e.getStackTrace().getFrames();
                if (frames.isEmpty()) {
                    continue;
                }
                self.merge(name(frames.get(0)), 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame fr : frames) {
                    String n = name(fr);
                    if (seen.add(n)) {
                        total.merge(n, 1, Integer::sum);
                    }
                }
            }
        }
        System.out.println("### " + file.getFileName() + " — " + samples + " execution samples\n");
        System.out.println(table("thread (digits → N)", threads, samples));
        System.out.println(table("method, self (top frame)", self, samples));
        System.out.println(table("method, total (on stack)", total, samples));
        Map<String, Integer> cairn = new HashMap<>();
        total.forEach((k, v) -> {
            if (k.startsWith("io.cairn.")) {
                cairn.put(k, v);
            }
        });
        System.out.println(table("Cairn method, total (on stack)", cairn, samples));
        return 0;
    }

    private String table(String what, Map<String, Integer> counts, int samples) {
        MarkdownTable t = new MarkdownTable(what, "samples", "share");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(e -> t.row(e.getKey(), Integer.toString(e.getValue()),
                        String.format(Locale.ROOT, "%.1f%%", 100.0 * e.getValue() / Math.max(1, samples))));
        return t.render();
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
}
