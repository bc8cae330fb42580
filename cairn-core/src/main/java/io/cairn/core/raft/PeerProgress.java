package io.cairn.core.raft;

import io.cairn.core.NodeId;

/**
 * The leader's view of one member, for lag reporting ({@code /cluster}) and write concerns.
 *
 * @param matchIndex        highest index known durable on the member (the leader's own persisted
 *                          index for the leader itself)
 * @param nextIndex         next index the leader will send
 * @param inflightMessages  appends sent and not yet acknowledged
 * @param recentlyActive    heard from within the last election timeout
 */
public record PeerProgress(NodeId node, boolean voter, long matchIndex, long nextIndex, ProgressState state,
                           int inflightMessages, boolean recentlyActive) {}
