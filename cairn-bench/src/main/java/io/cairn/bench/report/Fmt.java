package io.cairn.bench.report;

import java.util.Locale;

/** Number formatting for tables: latencies with sensible precision, rates with thousands separators. */
public final class Fmt {
    private Fmt() {}

    /**
     * A latency given in microseconds, shown in ms (or s above 10 s) with about three significant
     * digits, e.g. {@code 0.183 ms}, {@code 4.52 ms}, {@code 19.6 ms}, {@code 1.40 s}.
     */
    public static String latencyUs(double us) {
        double ms = us / 1000.0;
        if (ms < 1) {
            return String.format(Locale.ROOT, "%.3f ms", ms);
        }
        if (ms < 10) {
            return String.format(Locale.ROOT, "%.2f ms", ms);
        }
        if (ms < 10_000) {
            return String.format(Locale.ROOT, "%.1f ms", ms);
        }
        return String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
    }

    /** A rate rounded to a whole number with thousands separators, e.g. {@code 31,417}. */
    public static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,d", Math.round(perSecond));
    }

    /** A ratio as a percentage, e.g. {@code 61%}; "n/a" when the base is zero. */
    public static String percent(double value, double base) {
        if (base <= 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.0f%%", 100.0 * value / base);
    }

    public static String seconds(double s) {
        return String.format(Locale.ROOT, "%.2f s", s);
    }
}
