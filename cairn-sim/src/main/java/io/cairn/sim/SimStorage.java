package io.cairn.sim;

import io.cairn.core.raft.Entry;
import io.cairn.core.raft.HardState;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.RaftStorage;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link RaftStorage} over a {@link SimDisk}: what the server implements over segment files.
 *
 * <p>Reads come from the disk's <em>written</em> view, as they would from the page cache; the
 * {@link RaftStorage} contract allows that because the core reads above its persisted index only
 * from memory. After a crash the written view is reset to what survived, so a restarted core sees
 * exactly the durable state.
 */
final class SimStorage implements RaftStorage {
    private final SimDisk<HardState, Entry, Snapshot> disk;
    private final Membership bootstrap;

    SimStorage(SimDisk<HardState, Entry, Snapshot> disk, Membership bootstrap) {
        this.disk = disk;
        this.bootstrap = bootstrap;
    }

    private SimDisk.Contents<HardState, Entry, Snapshot> view() {
        return disk.written();
    }

    @Override
    public InitialState initialState() {
        SimDisk.Contents<HardState, Entry, Snapshot> v = view();
        HardState hs = v.hardState() == null ? HardState.EMPTY : v.hardState();
        Membership m = v.snapshot() == null ? bootstrap : v.snapshot().metadata().membership();
        return new InitialState(hs, m, v.snapshotIndex());
    }

    @Override
    public long firstIndex() {
        return view().firstIndex();
    }

    @Override
    public long lastIndex() {
        return view().lastIndex();
    }

    @Override
    public long term(long index) {
        SimDisk.Contents<HardState, Entry, Snapshot> v = view();
        if (index == v.snapshotIndex()) {
            return v.snapshotTerm();
        }
        Entry e = v.entry(index);
        SimViolation.check(e != null, "storage-contract", "core asked term(%s) outside [%s, %s]",
                index, v.snapshotIndex(), v.lastIndex());
        return e.term();
    }

    @Override
    public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        SimDisk.Contents<HardState, Entry, Snapshot> v = view();
        SimViolation.check(fromIndex >= v.firstIndex() && toIndexExclusive <= v.lastIndex() + 1 && fromIndex < toIndexExclusive,
                "storage-contract", "core asked entries [%s, %s) outside [%s, %s]",
                fromIndex, toIndexExclusive, v.firstIndex(), v.lastIndex());
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = fromIndex; i < toIndexExclusive; i++) {
            Entry e = v.entry(i);
            bytes += e.sizeBytes();
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    @Override
    public Snapshot snapshot() {
        SimDisk.Contents<HardState, Entry, Snapshot> v = view();
        if (v.snapshot() != null) {
            return v.snapshot();
        }
        return new Snapshot(new SnapshotMetadata(0, 0, bootstrap), StateDigest.encodeSnapshot(StateDigest.EMPTY, 0));
    }
}
