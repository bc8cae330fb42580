package io.cairn.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void parsesNamesLabelsEscapesAndSpecialValues() {
        List<PrometheusText.Sample> s = PrometheusText.parse("""
                # HELP x help
                # TYPE x counter
                x_total 12
                y{b="2",a="q\\"uote,d"} 1.5e3
                z{le="+Inf"} +Inf
                w NaN 1700000000000
                """);
        assertThat(s).hasSize(4);
        assertThat(s.get(0).name()).isEqualTo("x_total");
        assertThat(s.get(0).value()).isEqualTo(12);
        assertThat(s.get(1).labels()).containsEntry("a", "q\"uote,d").containsEntry("b", "2");
        assertThat(s.get(1).value()).isEqualTo(1500);
        assertThat(s.get(1).labelsWithout("b")).isEqualTo("{a=\"q\"uote,d\"}");
        assertThat(s.get(2).value()).isInfinite();
        assertThat(Double.isNaN(s.get(3).value())).isTrue();
    }

    @Test
    void aMalformedLineIsReportedWithItsNumber() {
        assertThatThrownBy(() -> PrometheusText.parse("ok 1\nbad{a=1} 2\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
    }
}
