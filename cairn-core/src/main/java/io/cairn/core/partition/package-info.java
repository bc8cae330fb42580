/**
 * The partition state machine and its payload codecs: what a committed Raft entry of a
 * partition group means, applied in log order.
 *
 * <p>Lives here: {@link io.cairn.core.partition.PartitionCommand} (record batches, group-offset
 * commits, retention markers, no-ops, config changes), {@link io.cairn.core.partition.PartitionCodec}
 * (their bytes inside a Raft entry, and the records inside a batch),
 * {@link io.cairn.core.partition.IdempotencyWindow} (the bounded dedupe window), and
 * {@link io.cairn.core.partition.PartitionStateMachine} (dense offsets, monotonic commits, log
 * start, snapshot and restore).
 *
 * <p>Must not live here: anything that reads a clock, a file or a socket, or starts a thread.
 * Every timestamp arrives inside the entry the leader proposed, so every replica that applies
 * the same log reaches byte-identical state.
 */
package io.cairn.core.partition;
