package io.cairn.bench.report;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GC and safepoint pauses from a node's {@code -Xlog:gc*,safepoint} output, for the part of the
 * log written during the measured window. Safepoint totals include time-to-safepoint, so they
 * are the honest "application stopped" figure; GC pause lines say how much of it was the
 * collector. ZGC allocation stalls (threads waiting for memory) are counted too: they are pauses
 * in all but name.
 */
public record GcLog(int gcPauses, double gcPauseMsTotal, double gcPauseMsMax,
                    int safepoints, double safepointMsTotal, double safepointMsMax,
                    int allocationStalls, double allocationStallMsTotal) {

    private static final Pattern GC_PAUSE = Pattern.compile("\\bPause [^\\n]*?(\\d+(?:\\.\\d+)?)ms\\s*$");
    private static final Pattern SAFEPOINT_TOTAL = Pattern.compile("Safepoint .*Total: (\\d+) ns");
    private static final Pattern ALLOC_STALL = Pattern.compile("Allocation Stall \\(.*?\\) (\\d+(?:\\.\\d+)?)ms");

    public static GcLog parse(String text) {
        int pauses = 0;
        int sps = 0;
        int stalls = 0;
        double pauseTotal = 0;
        double pauseMax = 0;
        double spTotal = 0;
        double spMax = 0;
        double stallTotal = 0;
        for (String line : text.split("\n")) {
            Matcher m = GC_PAUSE.matcher(line);
            if (line.contains("[gc") && m.find()) {
                double ms = Double.parseDouble(m.group(1));
                pauses++;
                pauseTotal += ms;
                pauseMax = Math.max(pauseMax, ms);
                continue;
            }
            m = SAFEPOINT_TOTAL.matcher(line);
            if (m.find()) {
                double ms = Long.parseLong(m.group(1)) / 1e6;
                sps++;
                spTotal += ms;
                spMax = Math.max(spMax, ms);
                continue;
            }
            m = ALLOC_STALL.matcher(line);
            if (m.find()) {
                stalls++;
                stallTotal += Double.parseDouble(m.group(1));
            }
        }
        return new GcLog(pauses, pauseTotal, pauseMax, sps, spTotal, spMax, stalls, stallTotal);
    }

    /** One line for the report, e.g. {@code GC pauses 12 (total 0.4 ms, max 0.05 ms); safepoints …}. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "GC pauses %d (total %.2f ms, max %.3f ms); all safepoints %d (total %.2f ms, max %.3f ms); allocation stalls %d (%.1f ms)",
                gcPauses, gcPauseMsTotal, gcPauseMsMax, safepoints, safepointMsTotal, safepointMsMax,
                allocationStalls, allocationStallMsTotal);
    }
}
