package io.cairn.bench.report;

import org.HdrHistogram.Histogram;

/**
 * The percentiles every row reports, from one HdrHistogram of microseconds: p50, p99, p99.9,
 * p99.99, p99.999 and max. Tail figures beyond what the sample count can resolve are still
 * printed (HdrHistogram then returns the max), and the count is shown so a reader can judge.
 */
public record Percentiles(long count, double p50, double p99, double p999, double p9999, double p99999, double max) {
    public static final String[] HEADERS = {"p50", "p99", "p99.9", "p99.99", "p99.999", "max"};

    public static Percentiles empty() {
        return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    public static Percentiles of(Histogram us) {
        if (us.getTotalCount() == 0) {
            return empty();
        }
        return new Percentiles(us.getTotalCount(),
                us.getValueAtPercentile(50), us.getValueAtPercentile(99), us.getValueAtPercentile(99.9),
                us.getValueAtPercentile(99.99), us.getValueAtPercentile(99.999), us.getMaxValue());
    }

    /** The six cells in {@link #HEADERS} order; "—" when nothing was measured. */
    public String[] cells() {
        double[] v = {p50, p99, p999, p9999, p99999, max};
        String[] out = new String[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Double.isNaN(v[i]) ? "—" : Double.isInfinite(v[i]) ? "> top bucket" : Fmt.latencyUs(v[i]);
        }
        return out;
    }
}
