package io.cairn.core.partition;

import io.cairn.core.Invariants;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bounded dedupe window of one partition: idempotency key → the offset and timestamp of the
 * first record that carried it.
 *
 * <p>Bounds (both enforced on every insert, oldest evicted first):
 * <ul>
 *   <li><b>time</b>: a key is forgotten once the log's clock is more than
 *       {@link PartitionLimits#dedupeWindowMs()} past the key's timestamp;</li>
 *   <li><b>count</b>: at most {@link PartitionLimits#dedupeWindowKeysMax()} keys.</li>
 * </ul>
 *
 * <p>The clock is the log's own: the maximum record timestamp applied so far. Each key is stored
 * with that monotonic clock value, so insertion order is also time order and eviction only ever
 * looks at the head. Using log time rather than a local clock keeps every replica's window
 * identical, which is what makes a retry after failover still a duplicate.
 *
 * <p>The first record to carry a key owns it: a later record with the same key (only possible
 * when a leader proposes without checking, which the replica never does) does not replace it.
 */
public final class IdempotencyWindow {

    /** Where the first record with a key landed, and the log-clock time it was applied. */
    public record Entry(long offset, long timestampMs) {}

    private final long windowMs;
    private final int keysMax;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private long clockMs = Long.MIN_VALUE;

    IdempotencyWindow(long windowMs, int keysMax) {
        this.windowMs = windowMs;
        this.keysMax = keysMax;
    }

    public int size() {
        return entries.size();
    }

    public long windowMs() {
        return windowMs;
    }

    public int keysMax() {
        return keysMax;
    }

    /** The log clock: the largest timestamp applied so far, or {@code Long.MIN_VALUE}. */
    public long clockMs() {
        return clockMs;
    }

    /**
     * The entry for {@code key} if it is still inside the window as of {@code nowMs} (the caller's
     * wall clock, or the log clock if that is later).
     */
    public Entry lookup(String key, long nowMs) {
        Entry e = entries.get(key);
        if (e == null) {
            return null;
        }
        return expired(e, Math.max(nowMs, clockMs)) ? null : e;
    }

    /** Advances the log clock and evicts expired keys; the clock never moves backwards. */
    void advanceClock(long timestampMs) {
        clockMs = Math.max(clockMs, timestampMs);
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            if (!expired(it.next(), clockMs)) {
                break;
            }
            it.remove();
        }
    }

    /**
     * Remembers {@code key} at {@code offset} unless it is already present; returns the owning
     * entry when the key was present, or null when this call inserted it.
     */
    Entry putIfAbsent(String key, long offset) {
        Invariants.check(clockMs != Long.MIN_VALUE, "idempotency window used before its clock was set");
        Entry existing = entries.get(key);
        if (existing != null) {
            return existing;
        }
        entries.put(key, new Entry(offset, clockMs));
        if (entries.size() > keysMax) {
            Iterator<Entry> it = entries.values().iterator();
            it.next();
            it.remove();
        }
        return null;
    }

    private boolean expired(Entry e, long nowMs) {
        return nowMs - e.timestampMs() > windowMs;
    }

    /** Oldest first; for snapshots. */
    List<Map.Entry<String, Entry>> entriesOldestFirst() {
        return new ArrayList<>(entries.entrySet());
    }

    /** Restores one entry from a snapshot; entries must arrive oldest first. */
    void restore(String key, Entry e) {
        Invariants.check(entries.put(key, e) == null, "duplicate idempotency key %s in snapshot", key);
        if (entries.size() > keysMax) {
            Iterator<Entry> it = entries.values().iterator();
            it.next();
            it.remove();
        }
    }

    void restoreClock(long clock) {
        this.clockMs = clock;
    }
}
