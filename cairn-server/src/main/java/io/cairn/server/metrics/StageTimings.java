package io.cairn.server.metrics;

import io.cairn.server.metrics.NodeMetrics.Stage;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code cairn_server_timing_seconds{stage}}: per-stage produce timings backed by HdrHistogram
 * (3 significant digits, up to one hour), exported as a Prometheus summary.
 *
 * <p>Count and sum are cumulative, as Prometheus expects. The quantiles (p50 … p99.999) and
 * {@code cairn_server_timing_seconds_max} describe the requests recorded <em>since the previous
 * scrape</em>: each scrape takes the interval histogram from a wait-free {@link Recorder}. With
 * one scraper that is "the last scrape interval", and a benchmark that scrapes at the start and
 * end of its window reads the window's exact server-side tail. (Several scrapers would split the
 * intervals between them.) Recording is wait-free, so the hot path pays no lock and no CKMS
 * compression, which profiles showed costing ~10% of node CPU under single-record produce.
 */
final class StageTimings implements MultiCollector {
    static final String NAME = "cairn_server_timing_seconds";
    /** Longest recordable stage time; longer ones are recorded as this value. */
    static final long STAGE_US_MAX = 3_600_000_000L;
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999};

    private final Map<Stage, Recorder> recorders = new EnumMap<>(Stage.class);
    private final Map<Stage, LongAdder> sumsUs = new EnumMap<>(Stage.class);
    /** Cumulative counts, advanced by each scrape from the interval histograms; guarded by {@code this}. */
    private final Map<Stage, Long> counts = new EnumMap<>(Stage.class);
    private final Map<Stage, Histogram> spare = new EnumMap<>(Stage.class);

    StageTimings() {
        for (Stage s : Stage.values()) {
            recorders.put(s, new Recorder(STAGE_US_MAX, 3));
            sumsUs.put(s, new LongAdder());
            counts.put(s, 0L);
        }
    }

    void record(Stage stage, long micros) {
        long us = Math.min(micros, STAGE_US_MAX);
        recorders.get(stage).recordValue(us);
        sumsUs.get(stage).add(us);
    }

    @Override
    public synchronized MetricSnapshots collect() {
        SummarySnapshot.Builder summary = SummarySnapshot.builder().name(NAME)
                .help("Server-side time per produce request by stage: parse, queue, handler, fsync, replication "
                        + "(HdrHistogram; quantiles cover the requests since the previous scrape)");
        GaugeSnapshot.Builder max = GaugeSnapshot.builder().name(NAME + "_max")
                .help("Longest stage time among the requests since the previous scrape");
        for (Stage s : Stage.values()) {
            Histogram interval = recorders.get(s).getIntervalHistogram(spare.get(s));
            spare.put(s, interval);
            long count = counts.get(s) + interval.getTotalCount();
            counts.put(s, count);
            List<Quantile> qs = new ArrayList<>(QUANTILES.length);
            for (double q : QUANTILES) {
                qs.add(new Quantile(q, interval.getTotalCount() == 0
                        ? Double.NaN : interval.getValueAtPercentile(q * 100) / 1e6));
            }
            Labels labels = Labels.of("stage", s.label);
            summary.dataPoint(SummaryDataPointSnapshot.builder().count(count).quantiles(Quantiles.of(qs))
                    .sum(sumsUs.get(s).sum() / 1e6).labels(labels).build());
            max.dataPoint(GaugeDataPointSnapshot.builder()
                    .value(interval.getTotalCount() == 0 ? Double.NaN : interval.getMaxValue() / 1e6)
                    .labels(labels).build());
        }
        return MetricSnapshots.of(summary.build(), max.build());
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(NAME, NAME + "_max");
    }
}
