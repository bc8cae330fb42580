package io.cairn.bench.scenario;

import io.cairn.bench.baseline.FsyncBaseline;
import io.cairn.bench.load.KindResult;
import io.cairn.bench.load.LoadResult;
import io.cairn.bench.load.LoadTimeline;
import io.cairn.bench.report.Fmt;
import io.cairn.bench.report.MarkdownTable;
import io.cairn.bench.report.Percentiles;
import io.cairn.bench.report.ServerTimings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one table a scenario prints. Every row has the same percentile columns, whether it is a
 * client-side load figure, a disk baseline, or a server-side timing, so a reader compares
 * columns without switching tables. Errors are a column of their own and never folded away.
 */
public final class Report {
    static final String[] HEADERS = {
        "measurement", "load", "throughput", "p50", "p99", "p99.9", "p99.99", "p99.999", "max", "errors", "vs ceiling / notes"
    };

    /** The commit the measured build came from, set once by {@code BenchMain}; "unknown" outside a checkout. */
    private static volatile String build = "unknown";

    private final String title;
    private final MarkdownTable table = new MarkdownTable(HEADERS);
    private final List<String> footnotes = new ArrayList<>();

    public Report(String title) {
        this.title = title;
    }

    /** A client-side row for one request kind of a load run. */
    public void load(String measurement, String load, LoadResult r, String kind, String unit, String note) {
        KindResult k = r.kind(kind);
        String[] p = Percentiles.of(k.latencyUs()).cells();
        if (k.okRequests() == 0 && k.failedTotal() == 0) {
            // Closed-loop requests started during warm-up belong to no window; if they all outlast
            // the window, nothing started in it. Say so rather than print a bare zero.
            note = "no request started in the window (every round trip outlasted it); " + note;
        }
        if (r.ratePerSecond() > 0 && k.serviceUs().getTotalCount() > 0) {
            note = openLoopBreakdown(k) + "; " + note;
        }
        table.row(measurement, load, Fmt.rate(r.recordsPerSecond(kind)) + " " + unit,
                p[0], p[1], p[2], p[3], p[4], p[5], k.failureSummary(), note);
    }

    /**
     * Splits an open-loop tail into its parts: the uncorrected service time (sent → answered) and
     * the load generator's own send delay. When both stay small while the corrected latency is
     * large, the latency is backlog: requests waited on their connection behind earlier answers
     * because the server's rate fell below the intended one for a while.
     */
    static String openLoopBreakdown(KindResult k) {
        Percentiles s = Percentiles.of(k.serviceUs());
        Percentiles d = Percentiles.of(k.loadgenDelayUs());
        String skipped = k.warmupSkipped() == 0 ? ""
                : String.format(Locale.ROOT, "; %,d warm-up requests still unsent at the window start skipped", k.warmupSkipped());
        return "service time sent→answered (uncorrected) p99 " + Fmt.latencyUs(s.p99()) + ", max "
                + Fmt.latencyUs(s.max()) + "; load generator's own send delay p99.9 " + Fmt.latencyUs(d.p999())
                + ", max " + Fmt.latencyUs(d.max()) + skipped;
    }

    /**
     * A footnote placing the worst moment of one request kind's run in time, and when {@code csv}
     * is not null the whole timeline written there. Nothing when the run kept no timeline.
     */
    public void timeline(String kind, LoadResult r, java.nio.file.Path csv) throws java.io.IOException {
        LoadTimeline t = r.kind(kind).timeline();
        if (t == null) {
            return;
        }
        long windowEnd = r.windowStartNanos() + (long) (r.measuredSeconds() * 1e9);
        int w = t.worstLatencyBucket(r.windowStartNanos(), windowEnd);
        if (w >= 0) {
            footnote(kind + ": worst " + LoadTimeline.BUCKET_MS + " ms slice of the window starts "
                    + t.startMs(w, r.windowStartNanos()) + " ms into it (" + t.wallClock(w) + "): latency max " + Fmt.latencyUs(t.latencyMaxUs(w))
                    + ", service time max " + Fmt.latencyUs(t.serviceMaxUs(w)) + ", load generator delay max "
                    + Fmt.latencyUs(t.clientDelayMaxUs(w)));
        }
        if (csv != null) {
            try (var out = java.nio.file.Files.newBufferedWriter(csv)) {
                t.writeCsv(out, r.windowStartNanos());
            }
            footnote(kind + " timeline (" + LoadTimeline.BUCKET_MS + " ms slices): " + csv);
        }
    }

    public void fsync(FsyncBaseline.Result r) {
        String[] p = Percentiles.of(r.latencyUs()).cells();
        table.row("raw write+fsync, " + r.writeBytes() + " B", "1 writer, loop", Fmt.rate(r.perSecond()) + " fsync/s",
                p[0], p[1], p[2], p[3], p[4], p[5], "0", "disk ceiling for one-fsync-per-ack");
    }

    public void server(String prefix, ServerTimings.Row row) {
        String[] p = row.percentiles().cells();
        String mean = Double.isNaN(row.meanUs()) ? "" : "mean " + Fmt.latencyUs(row.meanUs()) + "; ";
        String source = row.source().equals("window")
                ? "from /metrics buckets, this window"
                : "summary quantiles as the server reports them at window end (Cairn's: since the previous scrape, i.e. this window)";
        table.row(prefix + row.metric(), "server side", String.format(Locale.ROOT, "%,d samples", row.count()),
                p[0], p[1], p[2], p[3], p[4], p[5], "", mean + source);
    }

    /** A latency row measured outside the load generator (e.g. a background probe), µs histogram. */
    public void latency(String measurement, String load, String figure, org.HdrHistogram.Histogram us, String errors, String note) {
        String[] p = Percentiles.of(us).cells();
        table.row(measurement, load, figure, p[0], p[1], p[2], p[3], p[4], p[5], errors, note);
    }

    /** A row with a single figure in the throughput column and a note, e.g. a restart time. */
    public void figure(String measurement, String load, String figure, String note) {
        table.row(measurement, load, figure, "", "", "", "", "", "", "", note);
    }

    public void footnote(String text) {
        // One list item per footnote: a multi-line message (a log tail) must not break the list.
        footnotes.add(text.strip().replace("\n", " ⏎ "));
    }

    /** The body of a scenario; may throw, the rows gathered so far are still printed. */
    public interface Body {
        void run() throws Exception;
    }

    /**
     * Runs a scenario body and prints the table whatever happens: a failure adds a footnote
     * saying where it stopped (and exit status 1), so rows already measured are never lost.
     */
    public int runAndPrint(Body body) {
        int status = 0;
        try {
            body.run();
        } catch (Exception e) {
            status = 1;
            footnote("**stopped early**: " + e);
            e.printStackTrace(System.err);
        }
        System.out.println(render());
        return status;
    }

    /** Records {@code git describe} of the checkout next to the launcher, for the report's footnote. */
    public static void recordBuild(java.nio.file.Path repo) {
        try {
            Process p = new ProcessBuilder("git", "-C", repo.toString(), "describe", "--always", "--dirty")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.waitFor() == 0 && !out.isEmpty()) {
                build = out;
            }
        } catch (java.io.IOException e) {
            build = "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return f[0] + " / " + f[1] + " / " + f[2] + " (1/5/15 min)";
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(title).append("\n\n").append(table.render());
        footnote("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs; load average at the end "
                + loadAverage() + " (other work on the box competes with the figures above); build " + build);
        if (!footnotes.isEmpty()) {
            sb.append('\n');
            for (String f : footnotes) {
                sb.append("- ").append(f).append('\n');
            }
        }
        return sb.toString();
    }
}
