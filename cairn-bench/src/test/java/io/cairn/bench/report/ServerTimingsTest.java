package io.cairn.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServerTimingsTest {
    @Test
    void histogramBucketsAreDifferencedSoPercentilesCoverOnlyTheWindow() {
        // Before the window: 1000 fast fsyncs (<= 1 ms). During it: 90 at <= 1 ms, 10 at <= 10 ms.
        String before = """
                cairn_fsync_seconds_bucket{le="0.001"} 1000
                cairn_fsync_seconds_bucket{le="0.01"} 1000
                cairn_fsync_seconds_bucket{le="+Inf"} 1000
                cairn_fsync_seconds_count 1000
                cairn_fsync_seconds_sum 0.5
                """;
        String after = """
                cairn_fsync_seconds_bucket{le="0.001"} 1090
                cairn_fsync_seconds_bucket{le="0.01"} 1100
                cairn_fsync_seconds_bucket{le="+Inf"} 1100
                cairn_fsync_seconds_count 1100
                cairn_fsync_seconds_sum 0.6
                jvm_gc_fsync_seconds_bucket{le="+Inf"} 5
                """;
        List<ServerTimings.Row> rows = ServerTimings.between(PrometheusText.parse(before), PrometheusText.parse(after),
                ServerTimings.DEFAULT_FILTER);
        assertThat(rows).hasSize(1);
        ServerTimings.Row r = rows.get(0);
        assertThat(r.metric()).isEqualTo("cairn_fsync_seconds");
        assertThat(r.count()).isEqualTo(100);
        assertThat(r.meanUs()).isCloseTo(1000.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(r.percentiles().p50()).isEqualTo(1000.0);
        assertThat(r.percentiles().p99()).isEqualTo(10_000.0);
        assertThat(r.source()).isEqualTo("window");
    }

    @Test
    void summariesShowServerQuantilesWithWindowCountAndMean() {
        String before = """
                cairn_parse_us_count{route="produce"} 10
                cairn_parse_us_sum{route="produce"} 100
                """;
        String after = """
                cairn_parse_us{route="produce",quantile="0.5"} 12
                cairn_parse_us{route="produce",quantile="0.99"} 40
                cairn_parse_us{route="produce",quantile="0.99999"} 900
                cairn_parse_us_count{route="produce"} 110
                cairn_parse_us_sum{route="produce"} 2100
                cairn_parse_us_max{route="produce"} 1500
                """;
        List<ServerTimings.Row> rows = ServerTimings.between(PrometheusText.parse(before), PrometheusText.parse(after),
                ServerTimings.DEFAULT_FILTER);
        assertThat(rows).hasSize(1);
        ServerTimings.Row r = rows.get(0);
        assertThat(r.metric()).isEqualTo("cairn_parse_us{route=\"produce\"}");
        assertThat(r.count()).isEqualTo(100);
        assertThat(r.meanUs()).isEqualTo(20.0);
        assertThat(r.percentiles().p50()).isEqualTo(12.0);
        assertThat(r.percentiles().p99999()).isEqualTo(900.0);
        assertThat(r.percentiles().max()).isEqualTo(1500.0);
        assertThat(Double.isNaN(r.percentiles().p999())).isTrue();
        assertThat(r.source()).isEqualTo("server");
    }

    @Test
    void seriesIdleDuringTheWindowAreLeftOut() {
        String scrape = """
                cairn_http_request_duration_seconds_bucket{route="/ready",le="0.001"} 7
                cairn_http_request_duration_seconds_bucket{route="/ready",le="+Inf"} 7
                """;
        assertThat(ServerTimings.between(PrometheusText.parse(scrape), PrometheusText.parse(scrape),
                ServerTimings.DEFAULT_FILTER)).isEmpty();
    }

    @Test
    void unitSuffixesConvertToMicroseconds() {
        assertThat(ServerTimings.toMicros("x_seconds")).isEqualTo(1e6);
        assertThat(ServerTimings.toMicros("x_ms")).isEqualTo(1e3);
        assertThat(ServerTimings.toMicros("x_us")).isEqualTo(1);
        assertThat(ServerTimings.toMicros("x_nanoseconds")).isEqualTo(1e-3);
    }
}
