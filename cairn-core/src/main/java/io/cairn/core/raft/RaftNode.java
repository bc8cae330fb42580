package io.cairn.core.raft;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;

import java.util.List;
import java.util.Optional;

/**
 * One member of one Raft group, as a pure step function (etcd raft's {@code RawNode}).
 *
 * <p>Not thread-safe: one thread drives a node. Inputs ({@link #tick()}, {@link #step},
 * {@link #propose}, {@link #readIndex}, {@link #persisted}, {@link #snapshotApplied},
 * {@link #transferLeadership}) change state; {@link #ready()} collects what the driver must do
 * and {@link #advance(Ready)} acknowledges it. See {@link Ready} for the exact order.
 *
 * <p>Cheap by design: a node holds its state, its unstable log tail and per-peer progress,
 * nothing else, so thousands of groups can share a process.
 */
public final class RaftNode {
    /**
     * Restores a node from {@code storage} (its hard state, snapshot, log and membership).
     * A new group starts as follower in term 0 with the bootstrap membership of
     * {@link RaftStorage#initialState()}; a single-voter group elects itself on its first timeout.
     */
    public RaftNode(RaftConfig config, RaftStorage storage, RandomSource random) {
        throw new UnsupportedOperationException("implementation follows in the next commit");
    }

    public GroupId groupId() { throw new UnsupportedOperationException(); }

    public NodeId id() { throw new UnsupportedOperationException(); }

    /** Advances logical time by one tick: election timeouts, heartbeats, check-quorum. */
    public void tick() { throw new UnsupportedOperationException(); }

    /**
     * Handles a message from a peer. Messages from other groups or to other nodes are a driver bug
     * and throw {@link IllegalArgumentException}; stale or duplicated messages are ignored safely.
     */
    public void step(RaftMessage message) { throw new UnsupportedOperationException(); }

    /**
     * Appends an entry to the leader's log. Only {@link EntryType#NORMAL} is accepted here
     * ({@link IllegalArgumentException} otherwise); use {@link #proposeConfigChange} for changes.
     */
    public ProposeResult propose(EntryType type, byte[] data) { throw new UnsupportedOperationException(); }

    /** Proposes one membership change; refused while another change is pending. */
    public ProposeResult proposeConfigChange(ConfigChange change) { throw new UnsupportedOperationException(); }

    /**
     * Starts a linearizable read (Raft §6.4, ReadIndex): the leader records its commit index,
     * confirms with a quorum that it is still leader, then emits a {@link ReadState} with
     * {@code context} in a later Ready.
     */
    public ReadIndexResult readIndex(long context) { throw new UnsupportedOperationException(); }

    /** Hands leadership to {@code target} (dissertation §3.10). Aborted after an election timeout. */
    public TransferResult transferLeadership(NodeId target) { throw new UnsupportedOperationException(); }

    /** Starts an election now (as if the election timeout fired). For tests and bootstrap. */
    public void campaign() { throw new UnsupportedOperationException(); }

    /** True when {@link #ready()} would return a non-empty Ready. */
    public boolean hasReady() { throw new UnsupportedOperationException(); }

    /**
     * Collects the pending work. Call {@link #advance(Ready)} with the returned Ready before calling
     * {@code ready()} again.
     */
    public Ready ready() { throw new UnsupportedOperationException(); }

    /** Acknowledges that the driver has taken {@code ready} (written, sent, applied as documented). */
    public void advance(Ready ready) { throw new UnsupportedOperationException(); }

    /**
     * Durability contract: the driver calls this only when every entry with index &lt;= {@code index}
     * handed out so far (and all hard state and snapshots handed out before them) survives a crash.
     * {@code term} is the term of the entry at {@code index}; a call whose term no longer matches
     * (the entry was truncated meanwhile) is ignored.
     */
    public void persisted(long index, long term) { throw new UnsupportedOperationException(); }

    /**
     * The snapshot handed out in a Ready is durable in storage and the application state was
     * restored from it. Implies {@code persisted(metadata.index(), metadata.term())}.
     */
    public void snapshotApplied(SnapshotMetadata metadata) { throw new UnsupportedOperationException(); }

    /** How durable the entry proposed at (index, term) is now. Meaningful on the leader. */
    public Durability durability(long index, long term) { throw new UnsupportedOperationException(); }

    /** True when the entry proposed at (index, term) meets write concern {@code acks}. */
    public boolean durableOn(long index, long term, Acks acks) { throw new UnsupportedOperationException(); }

    /** Per-member progress, leader only (empty otherwise). */
    public List<PeerProgress> progress() { throw new UnsupportedOperationException(); }

    public RaftStatus status() { throw new UnsupportedOperationException(); }

    public Role role() { throw new UnsupportedOperationException(); }

    public long term() { throw new UnsupportedOperationException(); }

    public Optional<NodeId> leader() { throw new UnsupportedOperationException(); }

    public long commitIndex() { throw new UnsupportedOperationException(); }

    /** True on a leader whose term's no-op is committed: it may accept writes and serve reads. */
    public boolean isReadyForWrites() { throw new UnsupportedOperationException(); }
}
