package io.cairn.core.raft;

import io.cairn.core.Invariants;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory {@link RaftStorage} for unit and scenario tests: every write is durable at once
 * (the simulator has a richer disk that loses unsynced writes). It also implements the write side
 * a driver performs for a {@link Ready}, so tests exercise the documented order of operations.
 */
final class MemoryStorage implements RaftStorage {
    private HardState hardState = HardState.EMPTY;
    private final Membership bootstrap;
    private Snapshot snapshot;
    /** entries.get(0) has index snapshot.index() + 1. */
    private final List<Entry> entries = new ArrayList<>();

    MemoryStorage(Membership bootstrap) {
        this.bootstrap = bootstrap;
        this.snapshot = new Snapshot(new SnapshotMetadata(0, 0, bootstrap), new byte[0]);
    }

    @Override
    public InitialState initialState() {
        Membership m = snapshot.index() > 0 ? snapshot.metadata().membership() : bootstrap;
        return new InitialState(hardState, m, snapshot.index());
    }

    @Override
    public long firstIndex() {
        return snapshot.index() + 1;
    }

    @Override
    public long lastIndex() {
        return snapshot.index() + entries.size();
    }

    @Override
    public long term(long index) {
        Invariants.check(index >= firstIndex() - 1 && index <= lastIndex(), "term(%s) outside [%s,%s]", index, firstIndex() - 1, lastIndex());
        return index == snapshot.index() ? snapshot.term() : entries.get((int) (index - firstIndex())).term();
    }

    @Override
    public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        Invariants.check(fromIndex >= firstIndex() && toIndexExclusive <= lastIndex() + 1, "entries [%s,%s) outside [%s,%s]",
                fromIndex, toIndexExclusive, firstIndex(), lastIndex());
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = fromIndex; i < toIndexExclusive; i++) {
            Entry e = entries.get((int) (i - firstIndex()));
            if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                break;
            }
            out.add(e);
            bytes += e.sizeBytes();
        }
        return out;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    HardState hardState() {
        return hardState;
    }

    List<Entry> allEntries() {
        return List.copyOf(entries);
    }

    // ---- the driver's write side, in Ready order ----

    void installSnapshot(Snapshot s) {
        snapshot = s;
        entries.clear();
    }

    void truncateSuffix(long fromIndex) {
        Invariants.check(fromIndex > snapshot.index(), "truncate at %s below snapshot %s", fromIndex, snapshot.index());
        Invariants.check(fromIndex > hardState.commit(), "truncate at %s at or below durable commit %s", fromIndex, hardState.commit());
        while (lastIndex() >= fromIndex) {
            entries.remove(entries.size() - 1);
        }
    }

    /**
     * Damage found in stored entries: the driver cuts the log just before the first damaged one.
     * Unlike a Raft truncation this may cut committed entries (the node then repairs from peers).
     */
    void cutAtDamage(long fromIndex) {
        Invariants.check(fromIndex > snapshot.index(), "damage at %s below snapshot %s", fromIndex, snapshot.index());
        while (lastIndex() >= fromIndex) {
            entries.remove(entries.size() - 1);
        }
    }

    void append(List<Entry> batch) {
        for (Entry e : batch) {
            Invariants.check(e.index() == lastIndex() + 1, "append %s after last %s leaves a gap or overlaps", e, lastIndex());
            entries.add(e);
        }
    }

    void setHardState(HardState hs) {
        hardState = hs;
    }

    /** Application-driven compaction: fold entries up to {@code index} into a snapshot with {@code data}. */
    void compact(long index, Membership membership, byte[] data) {
        Invariants.check(index > snapshot.index() && index <= lastIndex(), "compact to %s outside (%s,%s]", index, snapshot.index(), lastIndex());
        long t = term(index);
        int drop = (int) (index - snapshot.index());
        entries.subList(0, drop).clear();
        snapshot = new Snapshot(new SnapshotMetadata(index, t, membership), data);
    }
}
