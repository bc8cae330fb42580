package io.cairn.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MarkdownTableTest {
    @Test
    void rendersPaddedColumnsWithASeparatorLine() {
        String t = new MarkdownTable("a", "bb").row("x", "1").row("long cell").render();
        assertThat(t).isEqualTo("""
                | a         | bb  |
                | --------- | --- |
                | x         | 1   |
                | long cell |     |
                """);
    }

    @Test
    void pipesInCellsCannotSplitAColumn() {
        String t = new MarkdownTable("a").row("x|y").render();
        assertThat(t).contains("| x\\|y |");
    }

    @Test
    void tooManyCellsIsABugNotATruncation() {
        assertThatThrownBy(() -> new MarkdownTable("a").row("1", "2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 cells");
    }
}
