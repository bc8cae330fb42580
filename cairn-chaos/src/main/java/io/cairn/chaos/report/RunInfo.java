package io.cairn.chaos.report;

/** The parameters of a run, as shown at the top of every report. */
public record RunInfo(long seed, int nodes, long durationS, String faults, int partitions, long recoveryBoundMs, String launcher) {}
