package io.cairn.core.raft;

import io.cairn.core.Invariants;

import java.util.ArrayList;
import java.util.List;

/**
 * The log as the core sees it: a stable prefix read through {@link RaftStorage} and an unstable
 * tail (entries, and possibly a snapshot from the leader) held in memory until the driver reports
 * it durable. Mirrors etcd's {@code raftLog} + {@code unstable}.
 *
 * <p>Three positions matter: {@code handedOutIndex} (entries given to the driver in a Ready),
 * {@code stableIndex} (durable, readable through storage) and {@code commitIndex}. Entries above
 * {@code stableIndex} are read only from memory, so the storage may or may not show written-but-
 * not-durable entries without affecting the core.
 */
final class RaftLog {
    private final RaftStorage storage;

    /** A snapshot received from the leader and not yet reported installed; null when none. */
    private Snapshot unstableSnapshot;
    private boolean snapshotHandedOut;
    /** Index of {@code unstable.get(0)}; everything below it is stable (or in the unstable snapshot). */
    private long unstableOffset;
    private final ArrayList<Entry> unstable = new ArrayList<>();
    /** Highest index handed out in a Ready for writing. */
    private long handedOutIndex;
    /** 0, or the index from which already-written entries must be dropped by the driver. */
    private long truncateFromIndex;

    private long commitIndex;
    /** Highest committed index handed out for applying. */
    private long applyingIndex;
    /** Highest index the application has applied (acknowledged via advance). */
    private long appliedIndex;

    RaftLog(RaftStorage storage, long commitIndex, long appliedIndex) {
        this.storage = storage;
        long first = storage.firstIndex();
        long last = storage.lastIndex();
        Invariants.check(first >= 1 && last >= first - 1, "storage bounds first=%s last=%s", first, last);
        Invariants.check(storage.snapshot().index() == first - 1, "snapshot index %s must be firstIndex-1 (%s)",
                storage.snapshot().index(), first - 1);
        this.unstableOffset = last + 1;
        this.handedOutIndex = last;
        // The hard state and the log may live in different files and reach the disk in either
        // order, so a crash can leave the persisted commit above the durable log. The commit
        // index is only knowledge (Raft Figure 2 keeps it volatile), so forgetting part is safe.
        long snapIndex = first - 1;
        this.commitIndex = Math.max(Math.min(commitIndex, last), snapIndex);
        this.appliedIndex = Math.max(appliedIndex, snapIndex);
        Invariants.check(this.appliedIndex <= this.commitIndex, "applied %s beyond commit %s", this.appliedIndex, this.commitIndex);
        this.applyingIndex = this.appliedIndex;
    }

    long firstIndex() {
        return unstableSnapshot != null ? unstableSnapshot.index() + 1 : storage.firstIndex();
    }

    long lastIndex() {
        if (!unstable.isEmpty()) {
            return unstableOffset + unstable.size() - 1;
        }
        return unstableOffset - 1;
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /** Highest index durable on this node. */
    long stableIndex() {
        return unstableSnapshot != null ? Math.min(unstableOffset - 1, unstableSnapshot.index() - 1) : unstableOffset - 1;
    }

    long commitIndex() {
        return commitIndex;
    }

    long appliedIndex() {
        return appliedIndex;
    }

    /**
     * The term at {@code index}, or 0 when the index is unknown here (beyond the log, or compacted
     * away). 0 never matches a real term, so callers treat it as "does not match".
     */
    long term(long index) {
        if (index == 0) {
            return 0;
        }
        if (index > lastIndex()) {
            return 0;
        }
        if (index >= unstableOffset) {
            return unstable.get((int) (index - unstableOffset)).term();
        }
        if (unstableSnapshot != null) {
            return index == unstableSnapshot.index() ? unstableSnapshot.term() : 0;
        }
        long first = storage.firstIndex();
        if (index < first - 1) {
            return 0;
        }
        return storage.term(index);
    }

    boolean matchTerm(long index, long term) {
        return term(index) == term && (term != 0 || index == 0);
    }

    /** Raft §5.4.1: a candidate's log is at least as up to date as ours. */
    boolean isUpToDate(long lastIndex, long lastTerm) {
        long myTerm = lastTerm();
        return lastTerm > myTerm || (lastTerm == myTerm && lastIndex >= lastIndex());
    }

    /**
     * Entries in {@code [lo, hi)} up to {@code maxBytes} (at least one). Requires
     * {@code firstIndex() <= lo} and {@code hi <= lastIndex() + 1}.
     */
    List<Entry> entries(long lo, long hi, long maxBytes) {
        Invariants.check(lo >= firstIndex() && hi <= lastIndex() + 1 && lo <= hi, "entries [%s,%s) outside [%s,%s]",
                lo, hi, firstIndex(), lastIndex());
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        if (lo < unstableOffset) {
            List<Entry> stable = storage.entries(lo, Math.min(hi, unstableOffset), maxBytes);
            for (Entry e : stable) {
                Invariants.check(e.index() == lo + out.size(), "storage returned entry %s, expected index %s", e, lo + out.size());
                out.add(e);
                bytes += e.sizeBytes();
            }
            if (out.size() < Math.min(hi, unstableOffset) - lo) {
                return out;
            }
        }
        for (long i = Math.max(lo, unstableOffset); i < hi; i++) {
            Entry e = unstable.get((int) (i - unstableOffset));
            if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                break;
            }
            out.add(e);
            bytes += e.sizeBytes();
        }
        return out;
    }

    /**
     * Visits entries {@code from..to} (inclusive, clamped to what is held) in pages of
     * {@code pageBytes}, so a long range is never loaded at once; stops when the visitor returns
     * false. Returns false if it stopped early.
     */
    boolean scan(long from, long to, long pageBytes, java.util.function.Predicate<Entry> visitor) {
        long lo = Math.max(from, firstIndex());
        long hi = Math.min(to, lastIndex());
        while (lo <= hi) {
            List<Entry> page = entries(lo, hi + 1, pageBytes);
            for (Entry e : page) {
                if (!visitor.test(e)) {
                    return false;
                }
            }
            lo += page.size();
        }
        return true;
    }

    /** The snapshot a lagging follower should receive. */
    Snapshot snapshot() {
        return unstableSnapshot != null ? unstableSnapshot : storage.snapshot();
    }

    /** Leader append of its own new entry. */
    void appendLocal(Entry e) {
        Invariants.check(e.index() == lastIndex() + 1, "local append %s after last %s", e, lastIndex());
        Invariants.check(e.term() >= lastTerm(), "local append %s term below last term %s", e, lastTerm());
        unstable.add(e);
    }

    /**
     * Follower append (Raft §5.3): finds the first entry that conflicts with ours, drops our entries
     * from there and appends the rest. Returns the last index of the new entries.
     */
    long appendFromLeader(List<Entry> entries) {
        long conflict = 0;
        for (Entry e : entries) {
            if (!matchTerm(e.index(), e.term())) {
                conflict = e.index();
                break;
            }
        }
        if (conflict != 0) {
            // Truncating a committed entry would un-commit data a client was told is durable.
            Invariants.check(conflict > commitIndex, "conflict at %s would truncate committed entries (commit %s)",
                    conflict, commitIndex);
            truncateAndAppend(conflict, entries.subList((int) (conflict - entries.get(0).index()), entries.size()));
        }
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index();
    }

    private void truncateAndAppend(long from, List<Entry> entries) {
        Invariants.check(from <= lastIndex() + 1, "append at %s leaves a gap after %s", from, lastIndex());
        Invariants.check(unstableSnapshot == null || from > unstableSnapshot.index(), "append at %s below unstable snapshot", from);
        if (from <= handedOutIndex) {
            // The driver already wrote (or is writing) entries at and after `from`; it must drop
            // them before appending, or the stored log would keep the old suffix.
            truncateFromIndex = truncateFromIndex == 0 ? from : Math.min(truncateFromIndex, from);
            handedOutIndex = from - 1;
        }
        if (from >= unstableOffset) {
            int keep = (int) (from - unstableOffset);
            while (unstable.size() > keep) {
                unstable.remove(unstable.size() - 1);
            }
        } else {
            // The conflict reaches into the stable prefix: those entries are no longer ours, so
            // they move back to "unstable" (re-written by the driver from `from` on).
            unstable.clear();
            unstableOffset = from;
        }
        long expect = from;
        for (Entry e : entries) {
            Invariants.check(e.index() == expect, "non-contiguous append: %s, expected index %s", e, expect);
            expect++;
            unstable.add(e);
        }
    }

    /**
     * The leader's snapshot replaces our whole log (Raft §7): it is installed only when it covers
     * more than our commit index and our log does not already hold its last entry.
     */
    void restore(Snapshot snapshot) {
        Invariants.check(snapshot.index() > commitIndex, "snapshot %s not beyond commit %s", snapshot, commitIndex);
        unstableSnapshot = snapshot;
        snapshotHandedOut = false;
        unstable.clear();
        unstableOffset = snapshot.index() + 1;
        handedOutIndex = snapshot.index();
        truncateFromIndex = 0;
        commitIndex = snapshot.index();
    }

    void commitTo(long index) {
        if (index > commitIndex) {
            Invariants.check(index <= lastIndex(), "commit %s beyond last index %s", index, lastIndex());
            commitIndex = index;
        }
    }

    /** The driver made entries up to (index, term) durable. Stale reports (truncated since) are ignored. */
    void stableTo(long index, long term) {
        // Entries after a pending snapshot become readable from storage only once the snapshot is
        // installed, so the driver reports the snapshot (snapshotApplied) before them.
        if (unstableSnapshot != null || index < unstableOffset || index > handedOutIndex || !matchTerm(index, term)) {
            return;
        }
        int drop = (int) (index - unstableOffset + 1);
        unstable.subList(0, drop).clear();
        unstableOffset = index + 1;
    }

    /** The snapshot handed out is durable and applied by the application. */
    void snapshotInstalled(SnapshotMetadata metadata) {
        if (unstableSnapshot == null || unstableSnapshot.index() != metadata.index()
                || unstableSnapshot.term() != metadata.term() || !snapshotHandedOut) {
            return;
        }
        unstableSnapshot = null;
        appliedIndex = Math.max(appliedIndex, metadata.index());
        applyingIndex = Math.max(applyingIndex, metadata.index());
    }

    boolean hasUnstableSnapshot() {
        return unstableSnapshot != null;
    }

    // ---- Ready support ----

    Snapshot snapshotToHandOut() {
        return unstableSnapshot != null && !snapshotHandedOut ? unstableSnapshot : null;
    }

    List<Entry> entriesToHandOut() {
        long from = Math.max(handedOutIndex + 1, unstableOffset);
        if (from > lastIndex()) {
            return List.of();
        }
        return List.copyOf(unstable.subList((int) (from - unstableOffset), unstable.size()));
    }

    boolean hasEntriesToHandOut() {
        return Math.max(handedOutIndex + 1, unstableOffset) <= lastIndex();
    }

    boolean hasCommittedToHandOut() {
        return unstableSnapshot == null && Math.min(commitIndex, stableIndex()) > applyingIndex;
    }

    long truncateFromIndex() {
        return truncateFromIndex;
    }

    /** Committed entries that are durable here and not yet handed out for applying, up to maxBytes. */
    List<Entry> committedToHandOut(long maxBytes) {
        if (unstableSnapshot != null) {
            // The application must restore the snapshot before it applies anything after it.
            return List.of();
        }
        long hi = Math.min(commitIndex, stableIndex());
        if (hi <= applyingIndex) {
            return List.of();
        }
        return entries(applyingIndex + 1, hi + 1, maxBytes);
    }

    void handedOut(Ready ready) {
        if (ready.snapshot().isPresent()) {
            snapshotHandedOut = true;
        }
        if (!ready.entries().isEmpty()) {
            handedOutIndex = ready.entries().get(ready.entries().size() - 1).index();
        }
        truncateFromIndex = 0;
        if (!ready.committedEntries().isEmpty()) {
            applyingIndex = ready.committedEntries().get(ready.committedEntries().size() - 1).index();
        }
    }

    void appliedTo(long index) {
        Invariants.check(index <= applyingIndex && index <= commitIndex, "applied %s beyond handed-out %s / commit %s",
                index, applyingIndex, commitIndex);
        appliedIndex = Math.max(appliedIndex, index);
    }

    /**
     * Fast back-off (etcd's findConflictByTerm): the largest index {@code <= index} whose term is
     * {@code <= term}, so a leader skips a whole divergent term per round trip. An index below our
     * log start is returned as is: raising it to the log start would claim the other side holds
     * entries up to there, and a follower that lost acknowledged entries (a repair cut) would
     * then be sent appends after its log forever instead of a snapshot.
     */
    long findConflictByTerm(long index, long term) {
        long i = Math.min(index, lastIndex());
        long floor = firstIndex() - 1;
        if (i < floor) {
            return i;
        }
        while (i > floor) {
            long t = term(i);
            if (t <= term) {
                return i;
            }
            i--;
        }
        return floor;
    }
}
