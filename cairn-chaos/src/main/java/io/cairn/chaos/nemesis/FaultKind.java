package io.cairn.chaos.nemesis;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The fault families selectable with {@code --faults}. */
public enum FaultKind {
    /** SIGKILL of one node (often the leader) or of a majority at once, then restarts in random order. */
    KILL,
    /** SIGSTOP of one node (often the leader), then SIGCONT. */
    PAUSE,
    /** Isolate the leader, split majority/minority, or cut one direction between two nodes. */
    PARTITION,
    /** Delay with jitter on every peer link. */
    DELAY,
    /** While a node is down, flip bytes in one of its sealed segments, then restart it. */
    CORRUPT,
    /**
     * Power loss of one node, a majority or every node at once: SIGKILL and drop every write not
     * yet fsynced (data directories run on the power-loss FUSE filesystem), then restart.
     */
    POWERLOSS;

    /** What {@code all} means: every kind that needs nothing beyond processes and sockets (not powerloss, which needs FUSE). */
    public static final Set<FaultKind> ALL = Set.copyOf(EnumSet.of(KILL, PAUSE, PARTITION, DELAY, CORRUPT));

    /** Parses {@code kill,pause,...}; {@code all} means {@link #ALL}, to which {@code powerloss} can be added. */
    public static Set<FaultKind> parse(String csv) {
        Set<FaultKind> out = EnumSet.noneOf(FaultKind.class);
        for (String part : csv.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (p.equalsIgnoreCase("all")) {
                out.addAll(ALL);
                continue;
            }
            if (p.equalsIgnoreCase("none")) {
                continue;
            }
            try {
                out.add(FaultKind.valueOf(p.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown fault '" + p + "'; known: kill,pause,partition,delay,corrupt,powerloss,all,none");
            }
        }
        return out;
    }

    /** Faults that need peer links, which a single node does not have. */
    public boolean needsPeers() {
        return this == PARTITION || this == DELAY;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
