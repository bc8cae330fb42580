/**
 * One class per {@code cairn bench} scenario (single, batch, cluster, restart, catchup); each
 * runs its baselines in the same run and prints one markdown table. Scenarios own the node
 * processes they start and kill them all before returning.
 */
package io.cairn.bench.scenario;
