/**
 * Partition replicas: each partition is a Raft group whose Raft log <em>is</em> the partition's
 * segment log, driven by {@link io.cairn.core.raft.RaftNode} and applied to
 * {@link io.cairn.core.partition.PartitionStateMachine}.
 *
 * <p>Lives here: {@link io.cairn.server.replica.ReplicaFactory} (the
 * {@link io.cairn.server.broker.PartitionFactory} the topic registry opens replicas with),
 * {@link io.cairn.server.replica.PartitionReplica} (one replica: the Ready loop, group commit on
 * the produce path, dedupe, write concerns, long-poll reads), {@link io.cairn.server.replica.RaftLogView}
 * (the core's storage view over {@link io.cairn.storage.SegmentLog}), the state files (hard state,
 * snapshots), the disk guard, and {@link io.cairn.server.replica.PeerTransport}, the seam through
 * which a multi-voter group will send messages (a one-voter group never uses it), and the repair
 * of a replica whose log holds damaged data ({@link io.cairn.server.replica.ReplicaRepair},
 * {@link io.cairn.server.replica.RepairMarker}: cut before the damage, refill from the leader,
 * vote withheld until repaired).
 *
 * <p>Must not live here: consensus decisions (they belong to {@code io.cairn.core.raft}), the
 * meaning of entries (that is {@code io.cairn.core.partition}), HTTP parsing, or topic
 * bookkeeping. Every RaftNode and state machine is touched by exactly one group thread.
 */
package io.cairn.server.replica;
