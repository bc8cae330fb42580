package io.cairn.sim;

/**
 * What a client asked to be true before its write is acknowledged (DESIGN.md §5).
 *
 * <p>What each promises, and so what the checker holds the cluster to:
 * <ul>
 *   <li>{@link #LEADER}: the entry is fsynced on the leader that acknowledged it. Nothing more:
 *       if that leader loses leadership before the entry reaches a majority, a new leader may
 *       overwrite it. The checker verifies the fsync at acknowledgement time and only counts
 *       later losses as a statistic, because losing such a write is allowed.</li>
 *   <li>{@link #MAJORITY}: fsynced on a majority of voters. Such an entry is committed, so it
 *       must be in every later leader's log and in every node's applied sequence.</li>
 *   <li>{@link #ALL}: fsynced on every voter; everything {@link #MAJORITY} promises, too.</li>
 * </ul>
 */
public enum WriteConcern {
    LEADER, MAJORITY, ALL
}
