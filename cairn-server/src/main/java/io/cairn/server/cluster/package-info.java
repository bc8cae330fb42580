/**
 * A cluster node: the runtime that turns the single-node broker into a member of a 3/5/7-node
 * cluster with no external coordinator.
 *
 * <p>What lives here: {@link io.cairn.server.cluster.ClusterNode} (start and stop order of the
 * transport, the metadata group, the replicas and HTTP), {@link io.cairn.server.cluster.ClusterBroker}
 * (the {@link io.cairn.server.broker.Broker} whose topics come from the metadata group and whose
 * partitions are multi-voter Raft groups opened through the replica layer),
 * {@link io.cairn.server.cluster.ClusterControl} (the {@code /cluster} routes: status, leadership
 * transfer, adding and removing nodes), {@link io.cairn.server.cluster.RaftRouter} (inbound peer
 * messages to the right group, outbound to the transport), leader-side retention, node removal
 * ({@link io.cairn.server.cluster.NodeRemoval} on the metadata leader moves a leaving node's
 * replicas; {@link io.cairn.server.cluster.ReplicaMove} changes one partition's Raft group on its
 * leader), leader balancing ({@link io.cairn.server.cluster.LeaderBalancer}) and the HTTP client
 * nodes use to ask each other ({@link io.cairn.server.cluster.PeerHttp}).
 *
 * <p>What must not: consensus decisions (they are {@code io.cairn.core.raft}'s), the partition's
 * Ready loop (that is {@code io.cairn.server.replica}), wire formats (that is
 * {@code io.cairn.server.transport}), HTTP parsing. Blocking work (opening and deleting replica
 * files) runs on the admin thread, never on an event loop or a Raft thread.
 */
package io.cairn.server.cluster;
