package io.cairn.server.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteSizeTest {
    @Test
    void plainAndBinaryUnits() {
        var c = new ByteSize();
        assertThat(c.convert("1048576")).isEqualTo(1L << 20);
        assertThat(c.convert("128MiB")).isEqualTo(128L << 20);
        assertThat(c.convert("512k")).isEqualTo(512L << 10);
        assertThat(c.convert("2 GiB")).isEqualTo(2L << 30);
        assertThatThrownBy(() -> c.convert("-1")).isInstanceOf(CommandLine.TypeConversionException.class);
        assertThatThrownBy(() -> c.convert("12 apples")).isInstanceOf(CommandLine.TypeConversionException.class);
        assertThatThrownBy(() -> c.convert("99999999999999999999")).isInstanceOf(CommandLine.TypeConversionException.class);
    }
}
