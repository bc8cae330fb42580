package io.cairn.sim;

import io.cairn.core.Invariants;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One node's simulated disk: a hard-state slot, a log, and a snapshot slot, each with a
 * <em>written</em> view (what reads see, like the page cache) and a <em>durable</em> view
 * (what survives a crash).
 *
 * <p>Writes apply to the written view at once and queue as operations. {@link #fsyncBarrier}
 * returns the sequence number of the last write so far; {@link #fsyncCompleted} (called by the
 * cluster after a random simulated delay) makes every write up to it durable. A
 * {@link #crash} keeps the durable view plus a random <em>prefix</em> of the unsynced writes:
 * the kernel may have flushed some of them on its own, but a log file is written in order, so
 * a later write never survives without the earlier ones. Nothing not fsynced is ever promised,
 * so keeping a random prefix is strictly more hostile than dropping all of it.
 *
 * <p>{@link #wipe} models corruption that the node detects (every record carries a CRC32C in
 * the real storage engine): the replica is quarantined and the node restarts with nothing.
 *
 * @param <H> hard state (term, vote, commit), replaced as a whole
 * @param <E> log entry
 * @param <S> snapshot
 */
public final class SimDisk<H, E, S> {
    /**
     * Bound on writes waiting for an fsync. The cluster fsyncs after every Ready, so this
     * only trips if fsync completions stop arriving, which is a simulator bug.
     */
    public static final int WRITES_UNSYNCED_MAX = 100_000;

    /** The contents of one view. Indexes are Raft log indexes; the first entry is {@code snapshotIndex + 1}. */
    public static final class Contents<H, E, S> {
        H hardState;
        S snapshot;
        long snapshotIndex;
        long snapshotTerm;
        final ArrayList<E> entries = new ArrayList<>();

        Contents<H, E, S> copy() {
            Contents<H, E, S> c = new Contents<>();
            c.hardState = hardState;
            c.snapshot = snapshot;
            c.snapshotIndex = snapshotIndex;
            c.snapshotTerm = snapshotTerm;
            c.entries.addAll(entries);
            return c;
        }

        public H hardState() {
            return hardState;
        }

        public S snapshot() {
            return snapshot;
        }

        public long snapshotIndex() {
            return snapshotIndex;
        }

        public long snapshotTerm() {
            return snapshotTerm;
        }

        /** Index of the first entry held, {@code snapshotIndex + 1}. */
        public long firstIndex() {
            return snapshotIndex + 1;
        }

        /** Index of the last entry (or of the snapshot if the log is empty). */
        public long lastIndex() {
            return snapshotIndex + entries.size();
        }

        /** The entry at {@code index}, or null if compacted away or past the end. */
        public E entry(long index) {
            if (index <= snapshotIndex || index > lastIndex()) {
                return null;
            }
            return entries.get((int) (index - snapshotIndex - 1));
        }

        /** Entries in {@code [fromIndex, toIndexExclusive)}; the range must be held. */
        public List<E> entries(long fromIndex, long toIndexExclusive) {
            Invariants.check(fromIndex > snapshotIndex && toIndexExclusive <= lastIndex() + 1 && fromIndex <= toIndexExclusive,
                    "entries [%s, %s) outside held range (%s, %s]", fromIndex, toIndexExclusive, snapshotIndex, lastIndex());
            return List.copyOf(entries.subList((int) (fromIndex - snapshotIndex - 1), (int) (toIndexExclusive - snapshotIndex - 1)));
        }
    }

    private sealed interface Write<H, E, S> permits SetHardState, Append, SetSnapshot, Compact {
        void applyTo(Contents<H, E, S> c);
    }

    private record SetHardState<H, E, S>(H hardState) implements Write<H, E, S> {
        public void applyTo(Contents<H, E, S> c) {
            c.hardState = hardState;
        }
    }

    /** Truncates everything from {@code firstIndex} on, then appends: Raft's suffix replacement. */
    private record Append<H, E, S>(long firstIndex, List<E> entries) implements Write<H, E, S> {
        public void applyTo(Contents<H, E, S> c) {
            Invariants.check(firstIndex > c.snapshotIndex && firstIndex <= c.lastIndex() + 1,
                    "append at %s would leave a gap or overwrite the snapshot (held (%s, %s])",
                    firstIndex, c.snapshotIndex, c.lastIndex());
            int keep = (int) (firstIndex - c.snapshotIndex - 1);
            c.entries.subList(keep, c.entries.size()).clear();
            c.entries.addAll(entries);
        }
    }

    /**
     * Installs a snapshot. Entries after it that agree with it are kept (etcd keeps them if the
     * entry at the snapshot index has the snapshot's term); otherwise the whole log goes.
     */
    private record SetSnapshot<H, E, S>(S snapshot, long index, long term, boolean keepSuffix) implements Write<H, E, S> {
        public void applyTo(Contents<H, E, S> c) {
            if (keepSuffix && index <= c.lastIndex() && index >= c.snapshotIndex) {
                int drop = (int) (index - c.snapshotIndex);
                c.entries.subList(0, drop).clear();
            } else {
                c.entries.clear();
            }
            c.snapshot = snapshot;
            c.snapshotIndex = index;
            c.snapshotTerm = term;
        }
    }

    /** Drops entries up to {@code throughIndex}, which a snapshot already covers. */
    private record Compact<H, E, S>(long throughIndex, long throughTerm, S snapshot) implements Write<H, E, S> {
        public void applyTo(Contents<H, E, S> c) {
            Invariants.check(throughIndex <= c.lastIndex(), "compact through %s past last index %s", throughIndex, c.lastIndex());
            if (throughIndex <= c.snapshotIndex) {
                return;
            }
            c.entries.subList(0, (int) (throughIndex - c.snapshotIndex)).clear();
            c.snapshot = snapshot;
            c.snapshotIndex = throughIndex;
            c.snapshotTerm = throughTerm;
        }
    }

    private record Pending<H, E, S>(long sequence, Write<H, E, S> write) {}

    private final SimRandom random;
    private Contents<H, E, S> written = new Contents<>();
    private Contents<H, E, S> durable = new Contents<>();
    private final ArrayDeque<Pending<H, E, S>> unsynced = new ArrayDeque<>();
    private long lastWriteSequence;
    private long durableSequence;
    private long writesLostToCrashes;
    /**
     * The repair marker ({@code repair-state} in the server): 0, or the last index the log held
     * before a cut at damaged data. Written atomically and durably at once, like the server's
     * AtomicStateFile, so it has no written/durable split.
     */
    private long repairMarker;
    private long repairMarkerTerm;

    public SimDisk(SimRandom random) {
        this.random = random;
    }

    /** What the node reads: every write so far, synced or not. */
    public Contents<H, E, S> written() {
        return written;
    }

    /** What would survive a crash right now. */
    public Contents<H, E, S> durable() {
        return durable;
    }

    public void setHardState(H hardState) {
        write(new SetHardState<>(hardState));
    }

    public void append(long firstIndex, List<E> entries) {
        write(new Append<>(firstIndex, List.copyOf(entries)));
    }

    public void installSnapshot(S snapshot, long index, long term, boolean keepSuffix) {
        write(new SetSnapshot<>(snapshot, index, term, keepSuffix));
    }

    public void compact(long throughIndex, long throughTerm, S snapshot) {
        write(new Compact<>(throughIndex, throughTerm, snapshot));
    }

    private void write(Write<H, E, S> w) {
        Invariants.check(unsynced.size() < WRITES_UNSYNCED_MAX, "more than %s unsynced writes", WRITES_UNSYNCED_MAX);
        w.applyTo(written);
        unsynced.addLast(new Pending<>(++lastWriteSequence, w));
    }

    /** The sequence number an fsync issued now will make durable when it completes. */
    public long fsyncBarrier() {
        return lastWriteSequence;
    }

    public long durableSequence() {
        return durableSequence;
    }

    public boolean hasUnsyncedWrites() {
        return !unsynced.isEmpty();
    }

    /** An fsync issued at {@code barrier} finished: writes up to it are now durable. */
    public void fsyncCompleted(long barrier) {
        while (!unsynced.isEmpty() && unsynced.peekFirst().sequence <= barrier) {
            unsynced.pollFirst().write.applyTo(durable);
        }
        durableSequence = Math.max(durableSequence, barrier);
    }

    /**
     * Power loss: a random prefix of the unsynced writes reaches the platter, the rest is gone.
     * Returns how many writes were lost.
     */
    public int crash() {
        int survivors = random.nextInt(unsynced.size() + 1);
        int lost = unsynced.size() - survivors;
        for (int i = 0; i < survivors; i++) {
            unsynced.pollFirst().write.applyTo(durable);
        }
        unsynced.clear();
        written = durable.copy();
        durableSequence = lastWriteSequence;
        writesLostToCrashes += lost;
        return lost;
    }

    /** Detected corruption: the replica is quarantined and the node starts from nothing. */
    public void wipe() {
        unsynced.clear();
        written = new Contents<>();
        durable = new Contents<>();
        durableSequence = lastWriteSequence;
    }

    /**
     * Damage found in the stored log of a stopped node: the node cuts its log just before the
     * first damaged entry ({@code fromIndex}, above the snapshot). Unlike a Raft truncation this
     * may cut committed and acknowledged entries; they come back from the leader.
     */
    public void cutAtDamage(long fromIndex) {
        Invariants.check(unsynced.isEmpty(), "cut at damage on a running node (unsynced writes pending)");
        Invariants.check(fromIndex > durable.snapshotIndex && fromIndex <= durable.lastIndex(),
                "damage at %s outside the held log (%s, %s]", fromIndex, durable.snapshotIndex, durable.lastIndex());
        durable.entries.subList((int) (fromIndex - durable.snapshotIndex - 1), durable.entries.size()).clear();
        written = durable.copy();
    }

    public long repairMarker() {
        return repairMarker;
    }

    public long repairMarkerTerm() {
        return repairMarkerTerm;
    }

    /** Durable when it returns (index 0 deletes the marker). */
    public void setRepairMarker(long untilIndex, long untilTerm) {
        repairMarker = untilIndex;
        repairMarkerTerm = untilTerm;
    }

    public long writesLostToCrashes() {
        return writesLostToCrashes;
    }
}
