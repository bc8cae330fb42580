/**
 * The topic registry: the node's {@link io.cairn.server.broker.Broker}. It owns the durable list
 * of topics (one atomic state file), the partition directories under
 * {@code <data-dir>/topics/<topic>/<partition>/}, opening replicas through the
 * {@link io.cairn.server.broker.PartitionFactory}, and the periodic retention task. It does not
 * store records itself (the replica does) and knows nothing about HTTP.
 */
package io.cairn.server.topics;
