package io.cairn.bench.report;

import io.cairn.bench.report.PrometheusText.Sample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Server-side timings for the report, from two scrapes of {@code /metrics} taken just before
 * and just after the measured window.
 *
 * <p>Prometheus histograms ({@code _bucket{le=…}}) are differenced bucket by bucket, so their
 * percentiles cover exactly the window (at bucket resolution). Summaries ({@code {quantile=…}})
 * cannot be differenced: their quantiles are shown as the server computed them (its own window)
 * and marked so, while count and mean come from the differenced {@code _count} and {@code _sum}.
 * Values are converted to microseconds from the unit suffix of the name; seconds, the
 * Prometheus convention, is assumed when there is none.
 */
public final class ServerTimings {
    /** Which families are timings of the produce path. */
    public static final Pattern DEFAULT_FILTER =
            Pattern.compile("(?i).*(parse|queue|handler|fsync|replicat|append|commit|request|timing|produce).*");

    private static final double[] QUANTILES = {0.5, 0.99, 0.999, 0.9999, 0.99999};

    /**
     * One timing row.
     *
     * @param source "window" when computed from differenced buckets, "server" for summary quantiles
     */
    public record Row(String metric, long count, double meanUs, Percentiles percentiles, String source) {}

    private ServerTimings() {}

    public static List<Row> between(List<Sample> before, List<Sample> after, Pattern filter) {
        Map<String, Double> beforeByKey = new HashMap<>();
        for (Sample s : before) {
            beforeByKey.put(key(s), s.value());
        }
        Map<String, Double> afterByKey = new HashMap<>();
        for (Sample s : after) {
            afterByKey.put(key(s), s.value());
        }
        List<Row> rows = new ArrayList<>();
        rows.addAll(histograms(after, beforeByKey, afterByKey, filter));
        rows.addAll(summaries(after, beforeByKey, afterByKey, filter));
        // Series that saw nothing in the window (other routes, idle stages) would only be noise.
        rows.removeIf(r -> r.count() <= 0);
        // The harness's own scrapes of /metrics are not the workload.
        rows.removeIf(r -> r.metric().contains("route=\"/metrics\""));
        return rows;
    }

    private static List<Row> histograms(List<Sample> after, Map<String, Double> before,
                                        Map<String, Double> afterByKey, Pattern filter) {
        // series (base name + labels without le) -> le -> cumulative count delta
        Map<String, TreeMap<Double, Double>> buckets = new LinkedHashMap<>();
        Map<String, String> baseOf = new HashMap<>();
        Map<String, String> labelsOf = new HashMap<>();
        for (Sample s : after) {
            if (!s.name().endsWith("_bucket") || !s.labels().containsKey("le")) {
                continue;
            }
            String base = s.name().substring(0, s.name().length() - "_bucket".length());
            if (!selected(base, filter)) {
                continue;
            }
            String series = base + s.labelsWithout("le");
            double le = PrometheusText.parseValue(s.labels().get("le"));
            double delta = s.value() - before.getOrDefault(key(s), 0.0);
            buckets.computeIfAbsent(series, k -> new TreeMap<>()).put(le, delta);
            baseOf.put(series, base);
            labelsOf.put(series, s.labelsWithout("le"));
        }
        List<Row> rows = new ArrayList<>();
        for (var e : buckets.entrySet()) {
            String series = e.getKey();
            String base = baseOf.get(series);
            double scale = toMicros(base);
            TreeMap<Double, Double> cum = e.getValue();
            double total = cum.isEmpty() ? 0 : cum.lastEntry().getValue();
            String sumKey = base + "_sum" + labelsOf.get(series);
            double sum = afterByKey.getOrDefault(sumKey, Double.NaN) - before.getOrDefault(sumKey, 0.0);
            double[] q = new double[QUANTILES.length];
            for (int i = 0; i < QUANTILES.length; i++) {
                q[i] = bucketQuantile(cum, total, QUANTILES[i]) * scale;
            }
            double maxBound = bucketQuantile(cum, total, 1.0) * scale;
            Percentiles p = total <= 0
                    ? Percentiles.empty()
                    : new Percentiles((long) total, q[0], q[1], q[2], q[3], q[4], maxBound);
            rows.add(new Row(series, (long) total, total > 0 ? sum * scale / total : Double.NaN, p, "window"));
        }
        return rows;
    }

    /** The upper bound of the bucket holding quantile {@code q}; +Inf if it falls in the overflow bucket. */
    static double bucketQuantile(TreeMap<Double, Double> cumulative, double total, double q) {
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = Math.ceil(q * total);
        for (var b : cumulative.entrySet()) {
            if (b.getValue() >= rank) {
                return b.getKey();
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    private static List<Row> summaries(List<Sample> after, Map<String, Double> before,
                                       Map<String, Double> afterByKey, Pattern filter) {
        Map<String, Map<Double, Double>> quantiles = new LinkedHashMap<>();
        Map<String, String> baseOf = new HashMap<>();
        Map<String, String> labelsOf = new HashMap<>();
        for (Sample s : after) {
            if (!s.labels().containsKey("quantile") || !selected(s.name(), filter)) {
                continue;
            }
            String series = s.name() + s.labelsWithout("quantile");
            quantiles.computeIfAbsent(series, k -> new TreeMap<>())
                    .put(PrometheusText.parseValue(s.labels().get("quantile")), s.value());
            baseOf.put(series, s.name());
            labelsOf.put(series, s.labelsWithout("quantile"));
        }
        List<Row> rows = new ArrayList<>();
        for (var e : quantiles.entrySet()) {
            String base = baseOf.get(e.getKey());
            String labels = labelsOf.get(e.getKey());
            double scale = toMicros(base);
            String countKey = base + "_count" + labels;
            String sumKey = base + "_sum" + labels;
            double count = afterByKey.getOrDefault(countKey, Double.NaN) - before.getOrDefault(countKey, 0.0);
            double sum = afterByKey.getOrDefault(sumKey, Double.NaN) - before.getOrDefault(sumKey, 0.0);
            Map<Double, Double> q = e.getValue();
            double max = afterByKey.getOrDefault(base + "_max" + labels, q.getOrDefault(1.0, Double.NaN));
            Percentiles p = new Percentiles((long) (Double.isNaN(count) ? 0 : count),
                    q.getOrDefault(0.5, Double.NaN) * scale, q.getOrDefault(0.99, Double.NaN) * scale,
                    q.getOrDefault(0.999, Double.NaN) * scale, q.getOrDefault(0.9999, Double.NaN) * scale,
                    q.getOrDefault(0.99999, Double.NaN) * scale, max * scale);
            rows.add(new Row(e.getKey(), (long) (Double.isNaN(count) ? 0 : count),
                    count > 0 ? sum * scale / count : Double.NaN, p, "server"));
        }
        return rows;
    }

    private static boolean selected(String name, Pattern filter) {
        return !name.startsWith("jvm_") && !name.startsWith("process_") && filter.matcher(name).matches();
    }

    /** Factor from the unit named by the metric's suffix to microseconds. */
    static double toMicros(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith("_ns") || n.endsWith("_nanoseconds") || n.endsWith("_nanos")) {
            return 1e-3;
        }
        if (n.endsWith("_us") || n.endsWith("_micros") || n.endsWith("_microseconds")) {
            return 1;
        }
        if (n.endsWith("_ms") || n.endsWith("_millis") || n.endsWith("_milliseconds")) {
            return 1e3;
        }
        return 1e6;
    }

    private static String key(Sample s) {
        return s.name() + s.labelsWithout("");
    }
}
