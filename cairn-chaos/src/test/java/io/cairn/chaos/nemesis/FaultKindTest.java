package io.cairn.chaos.nemesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class FaultKindTest {
    @Test
    void parsesListsAllAndNone() {
        assertThat(FaultKind.parse("kill, pause,CORRUPT")).containsExactlyInAnyOrder(FaultKind.KILL, FaultKind.PAUSE, FaultKind.CORRUPT);
        assertThat(FaultKind.parse("all")).isEqualTo(EnumSet.complementOf(EnumSet.of(FaultKind.POWERLOSS)));
        assertThat(FaultKind.parse("all,powerloss")).isEqualTo(EnumSet.allOf(FaultKind.class));
        assertThat(FaultKind.parse("powerloss")).containsExactly(FaultKind.POWERLOSS);
        assertThat(FaultKind.parse("none")).isEmpty();
    }

    @Test
    void unknownFaultIsAClearError() {
        assertThatThrownBy(() -> FaultKind.parse("kill,meteor")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("meteor").hasMessageContaining("kill,pause,partition,delay,corrupt,powerloss");
    }
}
