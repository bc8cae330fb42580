package io.cairn.chaos.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cairn.chaos.checker.CheckResult;
import io.cairn.chaos.checker.Violation;
import io.cairn.chaos.history.FaultEvent;
import io.cairn.chaos.history.History;
import io.cairn.chaos.history.Op;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Renders a checked run as a console table, a JSON document and an HTML page. */
public final class Report {
    private final RunInfo info;
    private final CheckResult check;
    private final List<Op> ops;
    private final List<FaultEvent> faults;
    private final List<String> nemesisLog;
    private final long elapsedMs;
    private final List<Timeline.Bucket> timeline;

    public Report(RunInfo info, CheckResult check, List<Op> ops, List<FaultEvent> faults, List<String> nemesisLog, long elapsedMs) {
        this.info = info;
        this.check = check;
        this.ops = ops;
        this.faults = faults;
        this.nemesisLog = nemesisLog;
        this.elapsedMs = elapsedMs;
        this.timeline = Timeline.of(ops);
    }

    public String verdict() {
        return check.allGreen() ? "ALL GREEN" : "VIOLATIONS: " + check.violations().size();
    }

    Map<String, Integer> faultCounts() {
        Map<String, Integer> m = new TreeMap<>();
        for (FaultEvent f : faults) {
            m.merge(f.kind(), 1, Integer::sum);
        }
        return m;
    }

    private List<Long> recoveries() {
        List<Long> r = new ArrayList<>();
        for (Long v : check.faultRecoveryMs().values()) {
            if (v >= 0) {
                r.add(v);
            }
        }
        r.sort(null);
        return r;
    }

    /** The console table. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n=== Cairn chaos run: seed %d, %d node(s), %d s, faults %s, %d partition(s) ===%n",
                info.seed(), info.nodes(), info.durationS(), info.faults(), info.partitions()));
        sb.append(String.format(Locale.ROOT, "%-16s %8s %8s %8s %8s%n", "operation", "total", "ok", "fail", "unknown"));
        Map<String, long[]> rows = new TreeMap<>();
        for (Map.Entry<String, Long> e : check.opsByTypeAndOutcome().entrySet()) {
            String[] parts = e.getKey().split("/");
            long[] row = rows.computeIfAbsent(parts[0].toLowerCase(Locale.ROOT), k -> new long[4]);
            row[0] += e.getValue();
            switch (parts[1]) {
                case "OK" -> row[1] += e.getValue();
                case "FAIL" -> row[2] += e.getValue();
                default -> row[3] += e.getValue();
            }
        }
        for (Map.Entry<String, long[]> e : rows.entrySet()) {
            long[] r = e.getValue();
            sb.append(String.format(Locale.ROOT, "%-16s %8d %8d %8d %8d%n", e.getKey(), r[0], r[1], r[2], r[3]));
        }
        Map<String, Integer> fc = faultCounts();
        sb.append(String.format(Locale.ROOT, "%-34s %s%n", "faults injected", fc.isEmpty() ? "none" : fc.toString()));
        sb.append(String.format(Locale.ROOT, "%-34s %d%n", "acknowledged records", check.acknowledged()));
        sb.append(String.format(Locale.ROOT, "%-34s %d%n", "lost acknowledged records", check.lost()));
        sb.append(String.format(Locale.ROOT, "%-34s %d%n", "duplicates", check.duplicates()));
        sb.append(String.format(Locale.ROOT, "%-34s %d%n", "dedupe hits (duplicate:true)", check.dedupeHits()));
        sb.append(String.format(Locale.ROOT, "%-34s %d committed, %d not committed%n", "unknown outcomes resolved",
                check.unknownPresent(), check.unknownAbsent()));
        sb.append(String.format(Locale.ROOT, "%-34s %d%n", "records read and verified", check.readsChecked()));
        List<Long> rec = recoveries();
        sb.append(String.format(Locale.ROOT, "%-34s %s%n", "recovery after a fault (heal->ack)",
                rec.isEmpty() ? "n/a" : "median " + rec.get(rec.size() / 2) + " ms, max " + rec.get(rec.size() - 1) + " ms over " + rec.size() + " fault(s)"));
        sb.append(String.format(Locale.ROOT, "%-34s %s (bound %d ms)%n", "recovery after the final heal",
                check.finalRecoveryMs() < 0 ? "none" : check.finalRecoveryMs() + " ms", info.recoveryBoundMs()));
        sb.append(String.format(Locale.ROOT, "%-34s %.1f s%n", "wall time", elapsedMs / 1000.0));
        for (String n : check.notes()) {
            sb.append("note: ").append(n).append('\n');
        }
        sb.append("seed: ").append(info.seed()).append('\n');
        if (check.allGreen()) {
            sb.append("ALL GREEN\n");
        } else {
            sb.append("VIOLATIONS (").append(check.violations().size()).append("):\n");
            for (Violation v : check.violations()) {
                sb.append("  ").append(v).append('\n');
            }
            sb.append("replay with --seed ").append(info.seed()).append(" (faults and workload choices repeat; timing does not)\n");
        }
        return sb.toString();
    }

    /** The JSON report. */
    public String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", check.allGreen() ? "ALL GREEN" : "VIOLATIONS");
        m.put("run", info);
        m.put("elapsed_ms", elapsedMs);
        m.put("check", check);
        m.put("fault_counts", faultCounts());
        m.put("faults", faults);
        m.put("nemesis_log", nemesisLog);
        m.put("timeline", timeline);
        try {
            return History.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The self-contained HTML page. */
    public String html() {
        return HtmlPage.render(this, info, check, timeline, faults, nemesisLog);
    }
}
