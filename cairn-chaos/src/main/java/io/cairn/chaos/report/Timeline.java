package io.cairn.chaos.report;

import io.cairn.chaos.history.Op;
import io.cairn.chaos.history.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Per-second buckets of write outcomes and latencies, the data behind the HTML timeline. */
public final class Timeline {
    /** One second of the run. */
    public record Bucket(int second, int ok, int fail, int unknown, double p50Ms, double p99Ms, double maxMs) {}

    /** Bound on buckets (seconds) drawn; longer runs are clipped, which the page states. */
    static final int BUCKETS_MAX = 4 * 3600;

    private Timeline() {}

    public static List<Bucket> of(List<Op> ops) {
        long lastUs = 0;
        for (Op op : ops) {
            lastUs = Math.max(lastUs, op.completeUs());
        }
        int n = (int) Math.min(BUCKETS_MAX, lastUs / 1_000_000 + 1);
        int[] ok = new int[n];
        int[] fail = new int[n];
        int[] unknown = new int[n];
        List<List<Long>> lat = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            lat.add(new ArrayList<>());
        }
        for (Op op : ops) {
            if (!op.isWrite()) {
                continue;
            }
            int s = (int) (op.completeUs() / 1_000_000);
            if (s >= n) {
                continue;
            }
            switch (op.outcome()) {
                case OK -> {
                    ok[s] += op.values() == null ? 1 : op.values().size();
                    lat.get(s).add(op.latencyUs());
                }
                case FAIL -> fail[s]++;
                case UNKNOWN -> unknown[s]++;
            }
        }
        List<Bucket> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long[] l = lat.get(i).stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(l);
            out.add(new Bucket(i, ok[i], fail[i], unknown[i], pct(l, 0.50), pct(l, 0.99), l.length == 0 ? 0 : l[l.length - 1] / 1000.0));
        }
        return out;
    }

    static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1000.0;
    }

    /** True when no write of any outcome completed in the bucket. */
    static boolean empty(Bucket b) {
        return b.ok() == 0 && b.fail() == 0 && b.unknown() == 0;
    }

    static int outcomeCount(List<Op> ops, Outcome o) {
        int c = 0;
        for (Op op : ops) {
            if (op.outcome() == o) {
                c++;
            }
        }
        return c;
    }
}
