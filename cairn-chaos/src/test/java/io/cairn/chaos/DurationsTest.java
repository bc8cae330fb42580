package io.cairn.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void parsesUnits() {
        assertThat(Durations.parse("120s")).isEqualTo(Duration.ofSeconds(120));
        assertThat(Durations.parse("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("45")).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void rejectsGarbage() {
        assertThatThrownBy(() -> Durations.parse("2 weeks")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 weeks");
    }

    @Test
    void badFlagsExitWithTwo() {
        assertThat(ChaosMain.run("--server-jar", "/nonexistent.jar", "--nodes", "12")).isEqualTo(2);
        assertThat(ChaosMain.run("--server-jar", "/nonexistent.jar", "--faults", "meteor")).isEqualTo(2);
    }
}
