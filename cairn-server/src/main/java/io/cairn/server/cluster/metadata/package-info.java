/**
 * The cluster's metadata: which nodes exist, which topics exist, where each partition's replicas
 * live and which replica should lead. It is one Raft group over every node (group id 0).
 *
 * <p>What lives here: the replicated state ({@link io.cairn.server.cluster.metadata.MetadataState},
 * including the node being removed and where its replicas go)
 * and the commands that change it ({@link io.cairn.server.cluster.metadata.MetadataCommand}),
 * deterministic placement ({@link io.cairn.server.cluster.metadata.Placement}), the group's small
 * durable Raft log ({@link io.cairn.server.cluster.metadata.MetadataLog}) and the thread that drives
 * the group ({@link io.cairn.server.cluster.metadata.MetadataGroup}).
 *
 * <p>What must not: partition data, HTTP, and any decision that is not a pure function of the
 * applied log. Every node applies the same commands in the same order and must reach the same
 * state, so nothing here reads clocks, random numbers or the local file system while applying.
 */
package io.cairn.server.cluster.metadata;
