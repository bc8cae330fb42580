package io.cairn.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.metrics.NodeMetrics.Stage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StageTimingsTest {
    @Test
    void quantilesCoverTheRequestsSinceThePreviousScrapeWhileCountAndSumAccumulate() {
        NodeMetrics m = new NodeMetrics();
        for (int i = 0; i < 999; i++) {
            m.recordStageMicros(Stage.FSYNC, 1_000);
        }
        m.recordStageMicros(Stage.FSYNC, 50_000);
        String first = new String(m.scrape(), StandardCharsets.UTF_8);
        assertThat(first).contains("cairn_server_timing_seconds{stage=\"fsync\",quantile=\"0.5\"} 0.001");
        assertThat(first).contains("cairn_server_timing_seconds{stage=\"fsync\",quantile=\"0.99999\"} 0.05");
        assertThat(first).contains("cairn_server_timing_seconds_count{stage=\"fsync\"} 1000");
        assertThat(first).contains("cairn_server_timing_seconds_max{stage=\"fsync\"} 0.05");

        // The next interval holds only what came after the first scrape: the 50 ms outlier is gone
        // from the tail, but not from the cumulative count and sum.
        m.recordStageMicros(Stage.FSYNC, 2_000);
        String second = new String(m.scrape(), StandardCharsets.UTF_8);
        assertThat(second).contains("cairn_server_timing_seconds{stage=\"fsync\",quantile=\"0.99999\"} 0.002");
        assertThat(second).contains("cairn_server_timing_seconds_count{stage=\"fsync\"} 1001");
        assertThat(second).contains("cairn_server_timing_seconds_sum{stage=\"fsync\"} 1.051");
        assertThat(second).contains("cairn_server_timing_seconds_max{stage=\"fsync\"} 0.002");
    }

    @Test
    void negativeMeansNotMeasuredAndIsSkipped() {
        NodeMetrics m = new NodeMetrics();
        m.recordStageMicros(Stage.REPLICATION, -1);
        assertThat(new String(m.scrape(), StandardCharsets.UTF_8))
                .contains("cairn_server_timing_seconds_count{stage=\"replication\"} 0");
    }
}
