package io.cairn.server.replica;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;
import io.cairn.core.raft.Membership;
import io.cairn.server.broker.PartitionFactory;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.metrics.NodeMetrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Opens Raft-backed partition replicas. On a single node every partition is a one-voter group
 * ({@link #open(PartitionSpec)}); the cluster opens multi-voter groups with
 * {@link #open(PartitionSpec, GroupId, Membership)} and a real {@link PeerTransport}.
 *
 * <p>Owns what the replicas share (group threads, reader threads, the flusher, the disk guard);
 * close every replica before {@link #close()}.
 */
public final class ReplicaFactory implements PartitionFactory {
    private final ReplicaRuntime runtime;

    /** A single node: no peers. {@code metrics} may be null (tests). */
    public ReplicaFactory(ReplicaOptions options, NodeMetrics metrics) {
        this(options, PeerTransport.NONE, metrics);
    }

    public ReplicaFactory(ReplicaOptions options, PeerTransport transport, NodeMetrics metrics) {
        this.runtime = new ReplicaRuntime(options, transport, metrics);
    }

    /** What a node's startup needs: its id and {@code --max-disk-bytes} (0 = unbounded). */
    public static ReplicaFactory singleNode(String nodeId, long maxDiskBytes, NodeMetrics metrics) {
        return new ReplicaFactory(ReplicaOptions.defaults(NodeId.of(nodeId)).withDiskBytesMax(Math.max(0, maxDiskBytes)), metrics);
    }

    @Override
    public PartitionHandle open(PartitionSpec spec) throws IOException {
        return open(spec, groupIdOf(spec.topic(), spec.partition()), Membership.ofVoters(runtime.options.nodeId()));
    }

    /**
     * Opens a replica of a group with the given bootstrap membership (used only when the
     * directory holds no state yet). A one-voter group on this node is ready for writes when
     * this returns; a multi-voter group returns as a follower and elects through the transport.
     */
    public PartitionReplica open(PartitionSpec spec, GroupId groupId, Membership bootstrap) throws IOException {
        return PartitionReplica.open(runtime, spec, groupId, bootstrap);
    }

    /**
     * A stable group id for a partition: FNV-1a (64-bit) of {@code topic/partition}, made
     * non-negative. Every node computes the same id, so peers can route messages without a table.
     */
    public static GroupId groupIdOf(String topic, int partition) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (topic + "/" + partition).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return GroupId.of(h & Long.MAX_VALUE);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
