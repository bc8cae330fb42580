/**
 * Peer-to-peer transport between Cairn nodes: Netty TCP (native epoll when available) carrying
 * Raft messages for every group on this node, multiplexed by group id and batched per peer.
 *
 * <p>What lives here: the frame format ({@link io.cairn.server.transport.Frames}), the outbound
 * per-peer connection with its bounded queue, reconnect and batching
 * ({@link io.cairn.server.transport.PeerConnection}), the accepting side, the handshake, and the
 * codec that turns Raft core messages into bytes ({@link io.cairn.server.transport.RaftMessageCodec}).
 *
 * <p>What must not: consensus logic, knowledge of partitions or topics beyond an opaque
 * {@code long} group id, blocking calls on event-loop threads. Delivery is best effort by design:
 * Raft tolerates loss, duplication and reordering across reconnects, so a full queue drops its
 * oldest message (counted) instead of blocking the Raft thread that sends.
 *
 * <p>Connections: one TCP connection per <em>ordered</em> peer pair. Each node dials every other
 * node for its own outbound traffic and only reads from connections it accepts. This avoids the
 * race of two nodes dialing each other at once and choosing a winner, and gives each side sole
 * ownership of its reconnect backoff. Everything one node sends to another (heartbeats, appends,
 * votes, snapshots for all groups) shares that one connection and its batching.
 */
package io.cairn.server.transport;
