package io.cairn.core.raft;

import java.util.List;

/**
 * The core's read-only view of <em>stable</em> storage: the durable log and the latest snapshot of
 * one group. The server implements it over the segment log ({@code cairn-storage}); the simulator
 * over an in-memory disk. The core never writes through this interface: all writes reach storage
 * through the driver acting on a {@link Ready}.
 *
 * <p>Shape (as in etcd's {@code Storage}): the log holds entries {@code firstIndex()..lastIndex()};
 * everything before is folded into {@link #snapshot()}, whose index is {@code firstIndex() - 1}.
 * A fresh group has an empty snapshot at index 0, term 0 and {@code firstIndex() == 1}.
 *
 * <p>Contract with the core: once the driver has called {@link RaftNode#persisted(long, long)}
 * for index {@code i}, this view must return the entries up to {@code i} exactly as they were
 * handed out in {@link Ready#entries()}. The core reads entries above its persisted index only
 * from its own memory, so it does not matter whether the view already shows written-but-not-yet-
 * durable entries. Every method is called only from the thread driving the node.
 */
public interface RaftStorage {
    /** State to start from after a restart (or the bootstrap state of a new group). */
    InitialState initialState();

    /** The first index still held as an entry; {@code snapshot().index() + 1}. */
    long firstIndex();

    /** The last index held (durable); {@code firstIndex() - 1} when the log is empty. */
    long lastIndex();

    /**
     * The term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()}
     * (the snapshot's term at {@code firstIndex() - 1}). The core never asks outside that range.
     */
    long term(long index);

    /**
     * Entries {@code fromIndex} (inclusive) to {@code toIndexExclusive}, stopping early once their
     * {@link Entry#sizeBytes()} sum would exceed {@code maxBytes}, but always at least one entry.
     * The core asks only within {@code firstIndex()..lastIndex()}.
     */
    List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes);

    /** The latest snapshot (metadata and data); sent to followers behind {@link #firstIndex()}. */
    Snapshot snapshot();

    /**
     * What a node starts from.
     *
     * @param hardState    last durable hard state ({@link HardState#EMPTY} for a new group)
     * @param membership   membership in effect at {@code appliedIndex} (the snapshot's membership
     *                     when {@code appliedIndex} is the snapshot index; the bootstrap membership
     *                     of a new group)
     * @param appliedIndex highest index the application has applied and will not be handed again;
     *                     usually the snapshot index, since the application re-applies the log
     *                     after it on restart
     */
    record InitialState(HardState hardState, Membership membership, long appliedIndex) {
        public InitialState {
            java.util.Objects.requireNonNull(hardState, "hardState");
            java.util.Objects.requireNonNull(membership, "membership");
            if (appliedIndex < 0) {
                throw new IllegalArgumentException("applied index must be >= 0, got " + appliedIndex);
            }
        }
    }
}
