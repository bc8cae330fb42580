/**
 * The {@code cairn bench} command line: picks a scenario, prints its markdown table.
 *
 * <p>Load generation lives in {@code load}, report formatting and metric scraping in
 * {@code report}, disk and bare-HTTP ceilings in {@code baseline}, node processes in
 * {@code node}, whole scenarios in {@code scenario}, JMH micro-benchmarks in {@code jmh}.
 * Nothing here is a pass/fail test: benchmarks produce numbers, never verdicts.
 */
package io.cairn.bench;
