/**
 * The chaos harness entry point ({@link io.cairn.chaos.ChaosMain}, run as {@code ./cairn chaos})
 * and the run driver ({@link io.cairn.chaos.ChaosRun}) that wires cluster, workload, nemesis,
 * checker and reports together. Subpackages: {@code proxy} (fault-injecting TCP proxy),
 * {@code cluster} (node processes), {@code nemesis} (fault schedule), {@code workload} (clients),
 * {@code history} (recording), {@code checker} (verdict), {@code report} (output). The harness
 * shares no state with nodes beyond processes, stopped nodes' files and the public HTTP API.
 */
package io.cairn.chaos;
