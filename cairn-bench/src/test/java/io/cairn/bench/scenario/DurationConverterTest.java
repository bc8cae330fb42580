package io.cairn.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
    @Test
    void parsesUnitsAndBareSeconds() {
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("15s")).isEqualTo(Duration.ofSeconds(15));
        assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationConverter.parse("7")).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void rejectsWhatItCannotRead() {
        assertThatThrownBy(() -> DurationConverter.parse("fast")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("'fast'");
    }
}
