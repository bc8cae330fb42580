package io.cairn.chaos.report;

import io.cairn.chaos.checker.CheckResult;
import io.cairn.chaos.checker.Violation;
import io.cairn.chaos.history.FaultEvent;
import java.util.List;
import java.util.Locale;

/** Renders the HTML report: inline CSS and SVG only, so the file can be mailed or archived alone. */
final class HtmlPage {
    private static final int WIDTH = 1100;
    private static final int CHART_HEIGHT = 180;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;

    private HtmlPage() {}

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String color(String kind) {
        if (kind.startsWith("kill")) {
            return "#e4572e";
        }
        if (kind.startsWith("pause")) {
            return "#f3a712";
        }
        if (kind.startsWith("partition")) {
            return "#7b2cbf";
        }
        if (kind.startsWith("delay")) {
            return "#29bf12";
        }
        if (kind.startsWith("corrupt")) {
            return "#000000";
        }
        if (kind.startsWith("powerloss")) {
            return "#0077b6";
        }
        return "#888888";
    }

    static String render(Report r, RunInfo info, CheckResult check, List<Timeline.Bucket> tl, List<FaultEvent> faults, List<String> log) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Cairn chaos seed ").append(info.seed()).append("</title>");
        h.append("<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}")
                .append(".green{color:#1a7f37}.red{color:#cf222e}table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}")
                .append("pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:300px}svg text{font:11px sans-serif}</style></head><body>");
        h.append("<h1>Cairn chaos run — seed ").append(info.seed()).append("</h1>");
        h.append("<p class=\"").append(check.allGreen() ? "green" : "red").append("\"><b>").append(esc(r.verdict())).append("</b></p>");
        h.append("<p>").append(info.nodes()).append(" node(s), ").append(info.durationS()).append(" s, faults ")
                .append(esc(info.faults())).append(", ").append(info.partitions()).append(" partition(s); nodes via ")
                .append(esc(info.launcher())).append("</p>");
        if (!check.allGreen()) {
            h.append("<h2>Violations</h2><ul>");
            for (Violation v : check.violations()) {
                h.append("<li class=\"red\"><b>").append(v.kind()).append("</b> ").append(esc(v.detail())).append("</li>");
            }
            h.append("</ul>");
        }
        h.append("<h2>Summary</h2><pre>").append(esc(r.summary())).append("</pre>");
        int seconds = Math.max(1, tl.size());
        double maxOk = 1;
        double maxLat = 1;
        for (Timeline.Bucket b : tl) {
            maxOk = Math.max(maxOk, b.ok() + b.fail() + b.unknown());
            maxLat = Math.max(maxLat, b.p99Ms());
        }
        h.append("<h2>Timeline</h2><p>Acknowledged records per second (blue), failed (red) and unknown (orange) writes; write latency p50 (blue) and p99 (purple) of acknowledged writes. Shaded: fault windows.</p>");
        h.append(chart(tl, faults, seconds, maxOk, true));
        h.append(chart(tl, faults, seconds, maxLat, false));
        h.append("<h2>Faults</h2><table><tr><th>#</th><th>kind</th><th>targets</th><th>start s</th><th>end s</th><th>recovery ms</th><th>detail</th></tr>");
        for (FaultEvent f : faults) {
            Long rec = check.faultRecoveryMs().get(f.id());
            h.append(String.format(Locale.ROOT, "<tr><td>%d</td><td style=\"color:%s\">%s</td><td>%s</td><td>%.1f</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                    f.id(), color(f.kind()), esc(f.kind()), esc(String.join(",", f.targets())), f.startUs() / 1e6,
                    f.endUs() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", f.endUs() / 1e6), rec == null || rec < 0 ? "-" : rec,
                    esc(f.detail())));
        }
        h.append("</table><h2>Nemesis log</h2><pre>");
        for (String l : log) {
            h.append(esc(l)).append('\n');
        }
        h.append("</pre>");
        if (!check.notes().isEmpty()) {
            h.append("<h2>Notes</h2><ul>");
            for (String n : check.notes()) {
                h.append("<li>").append(esc(n)).append("</li>");
            }
            h.append("</ul>");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String chart(List<Timeline.Bucket> tl, List<FaultEvent> faults, int seconds, double max, boolean throughput) {
        int plotW = WIDTH - LEFT - RIGHT;
        int top = 10;
        int bottom = CHART_HEIGHT - 25;
        int plotH = bottom - top;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(CHART_HEIGHT).append("\">");
        for (FaultEvent f : faults) {
            double x0 = LEFT + plotW * (f.startUs() / 1e6) / seconds;
            double endS = f.endUs() < 0 ? seconds : f.endUs() / 1e6;
            double x1 = LEFT + plotW * endS / seconds;
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.15\"><title>%s %s %s</title></rect>",
                    x0, top, Math.max(1, x1 - x0), plotH, color(f.kind()), esc(f.kind()), esc(String.join(",", f.targets())), esc(f.detail())));
            if (throughput) {
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"%s\">%s</text>", x0 + 2, top + 10, color(f.kind()), esc(f.kind())));
            }
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", LEFT, bottom, LEFT + plotW, bottom));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", LEFT, top, LEFT, bottom));
        s.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\">%s</text>", top + 10, throughput ? String.format(Locale.ROOT, "%.0f/s", max) : String.format(Locale.ROOT, "%.0f ms", max)));
        s.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\">0</text>", bottom));
        int step = Math.max(1, seconds / 10);
        for (int t = 0; t <= seconds; t += step) {
            double x = LEFT + plotW * (double) t / seconds;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%ds</text>", x - 8, bottom + 15, t));
        }
        if (throughput) {
            s.append(polyline(tl, seconds, max, plotW, top, plotH, "#1f77b4", b -> (double) b.ok()));
            s.append(polyline(tl, seconds, max, plotW, top, plotH, "#d62728", b -> (double) b.fail()));
            s.append(polyline(tl, seconds, max, plotW, top, plotH, "#ff7f0e", b -> (double) b.unknown()));
        } else {
            s.append(polyline(tl, seconds, max, plotW, top, plotH, "#1f77b4", Timeline.Bucket::p50Ms));
            s.append(polyline(tl, seconds, max, plotW, top, plotH, "#9467bd", Timeline.Bucket::p99Ms));
        }
        s.append("</svg>");
        return s.toString();
    }

    private static String polyline(List<Timeline.Bucket> tl, int seconds, double max, int plotW, int top, int plotH, String color,
                                   java.util.function.ToDoubleFunction<Timeline.Bucket> f) {
        StringBuilder pts = new StringBuilder();
        for (Timeline.Bucket b : tl) {
            double x = LEFT + plotW * (b.second() + 0.5) / seconds;
            double y = top + plotH - plotH * Math.min(1.0, f.applyAsDouble(b) / max);
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        return "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.5\" points=\"" + pts.toString().trim() + "\"/>";
    }
}
