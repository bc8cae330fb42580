/**
 * Raft consensus as a pure step function, in the style of etcd's {@code raft} package.
 *
 * <p>{@link io.cairn.core.raft.RaftNode} is one member of one Raft group. Its inputs are
 * {@code tick()}, {@code step(message)}, {@code propose(..)}, {@code readIndex(..)},
 * {@code persisted(index, term)} and {@code snapshotApplied(..)}; its only output is a
 * {@link io.cairn.core.raft.Ready}: state and entries to persist, messages to send now,
 * messages to send only after the persist, committed entries to apply, a snapshot to install and
 * read states. Stable entries are read through {@link io.cairn.core.raft.RaftStorage}, which the
 * server implements over the segment log and the simulator over an in-memory disk.
 *
 * <p>What must not live here: any I/O, thread, clock or unseeded randomness (time is ticks,
 * randomness is a {@link io.cairn.core.raft.RandomSource} passed in), and any knowledge of what
 * the application stores inside {@link io.cairn.core.raft.EntryType#NORMAL} entries.
 * Package-private classes hold the implementation (the log with its unstable tail, per-peer
 * progress, the leader's replication flow control in {@code Replicator}, the read-index queue);
 * only the types documented in {@code README-raft.md} are API.
 */
package io.cairn.core.raft;
