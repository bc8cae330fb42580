/**
 * Output of a run: the console summary table, the JSON report and a self-contained HTML page
 * (inline SVG timeline of throughput and latency with fault windows shaded; no external assets).
 * Reports present what the checker decided; they decide nothing themselves.
 */
package io.cairn.chaos.report;
