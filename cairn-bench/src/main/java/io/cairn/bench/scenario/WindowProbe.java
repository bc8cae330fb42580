package io.cairn.bench.scenario;

import io.cairn.bench.load.WindowListener;
import io.cairn.bench.node.Http;
import io.cairn.bench.node.NodeProcess;
import io.cairn.bench.report.GcLog;
import io.cairn.bench.report.PrometheusText;
import io.cairn.bench.report.ServerTimings;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;

/**
 * Marks the measured window on the server side: scrapes {@code /metrics} and notes the GC log's
 * length when the window starts and ends, and reads the load generator's own GC counters, so
 * the report can show server timings, node GC pauses and client GC for exactly that window.
 */
final class WindowProbe implements WindowListener {
    private final NodeProcess node;
    private String metricsBefore;
    private String metricsAfter;
    private String metricsError;
    private long gcFrom;
    private long gcTo;
    private long clientGcMsBefore;
    private long clientGcCountBefore;
    private long clientGcMs;
    private long clientGcCount;
    private long contextSwitchesBefore = -1;
    /** Context switches of the node's threads in the window, -1 if unknown. */
    long contextSwitches = -1;
    private long nodeCpuNanosBefore = -1;
    private long nodeCpuNanos = -1;
    private long clientCpuNanosBefore;
    private long clientCpuNanos;
    private long windowStartNanos;
    private long windowNanos;
    private String loadAverageBefore = "";

    private final long pid;

    /** {@code node} may be null for a baseline server that has neither metrics nor a GC log. */
    WindowProbe(NodeProcess node) {
        this.node = node;
        this.pid = -1;
        warmUp();
    }

    /** For a server process that is not a node (the bare Netty baseline): CPU only. */
    WindowProbe(long pid) {
        this.node = null;
        this.pid = pid;
        warmUp();
    }

    /**
     * Does once, before the run, what {@link #started} does at the window start. The first use of
     * the management beans in a JVM loads and initialises JMX (55–93 ms of wall time measured on
     * this box at load ~24), and a fresh node's first {@code /metrics} answer took 510 ms against
     * 20–50 ms for the next ones (its event loop runs the scrape). Done at the window start, either
     * competes with the load for the 2 cores at exactly the moment measuring begins.
     */
    private void warmUp() {
        clientCpuNanos();
        clientGcMs();
        clientGcCount();
        if (node != null) {
            try {
                scrape();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            metricsError = null;
        }
    }

    @Override
    public void started() throws Exception {
        windowStartNanos = System.nanoTime();
        loadAverageBefore = Report.loadAverage();
        clientCpuNanosBefore = clientCpuNanos();
        nodeCpuNanosBefore = nodeCpuNanos();
        contextSwitchesBefore = nodeContextSwitches();
        clientGcMsBefore = clientGcMs();
        clientGcCountBefore = clientGcCount();
        if (node != null) {
            metricsBefore = scrape();
            gcFrom = gcLength();
        }
    }

    @Override
    public void ended() throws Exception {
        windowNanos = System.nanoTime() - windowStartNanos;
        clientCpuNanos = clientCpuNanos() - clientCpuNanosBefore;
        long switches = nodeContextSwitches();
        contextSwitches = switches < 0 || contextSwitchesBefore < 0 ? -1 : switches - contextSwitchesBefore;
        long nodeCpu = nodeCpuNanos();
        nodeCpuNanos = nodeCpu < 0 || nodeCpuNanosBefore < 0 ? -1 : nodeCpu - nodeCpuNanosBefore;
        clientGcMs = clientGcMs() - clientGcMsBefore;
        clientGcCount = clientGcCount() - clientGcCountBefore;
        if (node != null) {
            gcTo = gcLength();
            metricsAfter = scrape();
        }
    }

    private String scrape() throws InterruptedException {
        try {
            Http.Response r = Http.get(node.baseUrl() + "/metrics");
            if (r.ok()) {
                return r.body();
            }
            metricsError = "/metrics answered " + r.status();
        } catch (IOException e) {
            metricsError = "/metrics failed: " + e;
        }
        return null;
    }

    /** Server timing rows for the window; empty (with {@link #metricsNote()}) when unavailable. */
    List<ServerTimings.Row> serverTimings() {
        if (metricsBefore == null || metricsAfter == null) {
            return List.of();
        }
        return ServerTimings.between(PrometheusText.parse(metricsBefore), PrometheusText.parse(metricsAfter),
                ServerTimings.DEFAULT_FILTER);
    }

    /** The window's increase of every series named {@code name} (all labels summed); NaN when unscraped. */
    double counterDelta(String name) {
        if (metricsBefore == null || metricsAfter == null) {
            return Double.NaN;
        }
        return sum(PrometheusText.parse(metricsAfter), name) - sum(PrometheusText.parse(metricsBefore), name);
    }

    private static double sum(List<PrometheusText.Sample> samples, String name) {
        double total = 0;
        for (PrometheusText.Sample s : samples) {
            if (s.name().equals(name)) {
                total += s.value();
            }
        }
        return total;
    }

    String metricsNote() {
        if (node == null) {
            return "no server metrics for this row";
        }
        if (metricsError != null) {
            return metricsError;
        }
        return serverTimings().isEmpty() ? "/metrics has no parse/queue/handler/fsync/replication timings yet" : "";
    }

    GcLog nodeGc() throws IOException {
        if (node == null || gcTo <= gcFrom) {
            return GcLog.parse("");
        }
        try (RandomAccessFile f = new RandomAccessFile(node.gcLog().toFile(), "r")) {
            byte[] b = new byte[(int) Math.min(gcTo - gcFrom, 64L << 20)];
            f.seek(gcFrom);
            f.readFully(b);
            return GcLog.parse(new String(b, StandardCharsets.UTF_8));
        }
    }

    String clientGc() {
        return String.format(Locale.ROOT, "load generator GC pauses: %d, %d ms", clientGcCount, clientGcMs);
    }

    /**
     * CPU used in the window, in cores: whether the node or the load generator was the one
     * saturating the machine, and how contended the box was (load average at the window start).
     */
    String cpu() {
        double secs = windowNanos / 1e9;
        String node = nodeCpuNanos < 0 ? "server n/a" : String.format(Locale.ROOT, "server %.2f cores", nodeCpuNanos / 1e9 / secs);
        return String.format(Locale.ROOT, "CPU: %s, load generator %.2f cores; load avg at start %s",
                node, clientCpuNanos / 1e9 / secs, loadAverageBefore);
    }

    /**
     * Server CPU per successful request in the window, e.g. {@code 48 µs CPU/request}: on a shared
     * box this compares two servers better than their throughput does.
     */
    String cpuPerRequest(double requestsPerSecond) {
        if (nodeCpuNanos < 0 || requestsPerSecond <= 0 || windowNanos <= 0) {
            return "server CPU/request n/a";
        }
        double cores = nodeCpuNanos / (double) windowNanos;
        String perRequest = String.format(Locale.ROOT, "server %.0f µs CPU/request", cores * 1e6 / requestsPerSecond);
        if (contextSwitches >= 0) {
            double requests = requestsPerSecond * windowNanos / 1e9;
            perRequest += String.format(Locale.ROOT, ", %.2f context switches/request", contextSwitches / requests);
        }
        return perRequest;
    }

    /** Cores the node used in the window, or -1 when unknown. */
    double nodeCores() {
        return nodeCpuNanos < 0 || windowNanos <= 0 ? -1 : nodeCpuNanos / (double) windowNanos;
    }

    /**
     * Context switches of every thread of the node so far (voluntary and not, from
     * {@code /proc/PID/task/TID/status}), or -1 where that is unavailable (not Linux, node gone).
     * Each one is a thread hand-off or a preemption: per record, a count that a busy machine
     * does not distort the way it distorts time.
     */
    long nodeContextSwitches() {
        long p = node != null ? node.pid() : pid;
        java.nio.file.Path tasks = java.nio.file.Path.of("/proc", Long.toString(p), "task");
        if (p < 0 || !Files.isDirectory(tasks)) {
            return -1;
        }
        long total = 0;
        try (var dirs = Files.list(tasks)) {
            for (java.nio.file.Path t : (Iterable<java.nio.file.Path>) dirs::iterator) {
                try {
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException threadGone) {
                    // A thread that ended between the listing and the read: its switches are lost, and few.
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
    }

    private long nodeCpuNanos() {
        long p = node != null ? node.pid() : pid;
        if (p < 0) {
            return -1;
        }
        return ProcessHandle.of(p).flatMap(h -> h.info().totalCpuDuration())
                .map(java.time.Duration::toNanos).orElse(-1L);
    }

    private static long clientCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    private long gcLength() throws IOException {
        return Files.exists(node.gcLog()) ? Files.size(node.gcLog()) : 0;
    }

    private static long clientGcMs() {
        long t = 0;
        for (GarbageCollectorMXBean b : pauseBeans()) {
            t += Math.max(0, b.getCollectionTime());
        }
        return t;
    }

    private static long clientGcCount() {
        long t = 0;
        for (GarbageCollectorMXBean b : pauseBeans()) {
            t += Math.max(0, b.getCollectionCount());
        }
        return t;
    }

    /** Beans that count stop-the-world pauses; concurrent-cycle beans would overstate pauses. */
    private static List<GarbageCollectorMXBean> pauseBeans() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(b -> !b.getName().contains("Concurrent") && !b.getName().contains("Cycles"))
                .toList();
    }
}
