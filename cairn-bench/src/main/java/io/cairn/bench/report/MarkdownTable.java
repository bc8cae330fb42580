package io.cairn.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A markdown table with padded columns so it reads well in a terminal and renders on GitHub.
 * A row with fewer cells than headers is padded with empty cells; more cells is a bug and throws.
 * Pipes inside cells are escaped so a cell can never split into two columns.
 */
public final class MarkdownTable {
    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    public MarkdownTable(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.headers = headers.clone();
    }

    public MarkdownTable row(String... cells) {
        if (cells.length > headers.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has "
                    + headers.length + " columns: " + Arrays.toString(cells));
        }
        String[] r = new String[headers.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < cells.length && cells[i] != null ? cells[i].replace("|", "\\|") : "";
        }
        rows.add(r);
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    public String render() {
        int[] w = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            w[i] = Math.max(3, headers[i].length());
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers, w);
        String[] sep = new String[headers.length];
        for (int i = 0; i < sep.length; i++) {
            sep[i] = "-".repeat(w[i]);
        }
        line(sb, sep, w);
        for (String[] r : rows) {
            line(sb, r, w);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] w) {
        sb.append('|');
        for (int i = 0; i < cells.length; i++) {
            sb.append(' ').append(cells[i]).append(" ".repeat(w[i] - cells[i].length())).append(" |");
        }
        sb.append('\n');
    }
}
