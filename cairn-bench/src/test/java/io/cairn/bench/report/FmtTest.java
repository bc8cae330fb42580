package io.cairn.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class FmtTest {
    @Test
    void latenciesKeepAboutThreeSignificantDigits() {
        assertThat(Fmt.latencyUs(183)).isEqualTo("0.183 ms");
        assertThat(Fmt.latencyUs(4_521)).isEqualTo("4.52 ms");
        assertThat(Fmt.latencyUs(19_600)).isEqualTo("19.6 ms");
        assertThat(Fmt.latencyUs(1_400_000)).isEqualTo("1400.0 ms");
        assertThat(Fmt.latencyUs(14_000_000)).isEqualTo("14.00 s");
    }

    @Test
    void ratesAndRatios() {
        assertThat(Fmt.rate(31_416.6)).isEqualTo("31,417");
        assertThat(Fmt.percent(30, 50)).isEqualTo("60%");
        assertThat(Fmt.percent(1, 0)).isEqualTo("n/a");
    }

    @Test
    void percentilesComeFromTheHistogramAndEmptyShowsDashes() {
        Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 1; i <= 100_000; i++) {
            h.recordValue(i % 100 == 0 ? 50_000 : 1_000); // 1% at 50 ms, the rest at 1 ms
        }
        String[] c = Percentiles.of(h).cells();
        assertThat(c[0]).isEqualTo("1.00 ms");
        assertThat(c[1]).isEqualTo("1.00 ms");
        assertThat(c[2]).isEqualTo("50.0 ms");
        assertThat(c[5]).isEqualTo("50.0 ms");
        assertThat(Percentiles.of(new Histogram(3)).cells()).containsOnly("—");
    }
}
