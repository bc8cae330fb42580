/**
 * The nemesis: a seeded schedule of faults (kill, pause, partition, delay, corrupt) applied to a
 * {@link io.cairn.chaos.cluster.LocalCluster} and recorded as fault windows in the history. The
 * same seed picks the same kinds, targets and durations; what the cluster does in response is, of
 * course, not deterministic.
 */
package io.cairn.chaos.nemesis;
