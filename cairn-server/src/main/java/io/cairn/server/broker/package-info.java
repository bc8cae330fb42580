/**
 * The broker's service seam: what the HTTP layer asks of topics and partitions, and the
 * typed failures it maps to API.md status codes.
 *
 * <p>{@link io.cairn.server.broker.Broker} owns topics; {@link io.cairn.server.broker.PartitionHandle}
 * is one partition replica on this node (a Raft group over a segment log). Every call that may
 * wait (produce, commit, long-poll consume) returns a {@link java.util.concurrent.CompletableFuture}
 * so no Netty event loop ever blocks. Failures complete the future exceptionally with a
 * {@link io.cairn.server.broker.BrokerException}. Nothing here parses HTTP or touches Netty.
 */
package io.cairn.server.broker;
