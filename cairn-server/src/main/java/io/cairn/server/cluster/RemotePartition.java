package io.cairn.server.cluster;

import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionHandle;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A partition with no replica on this node. Every request is redirected (307) to a node that holds
 * a replica; if that replica does not lead, it redirects once more to the leader, which it knows.
 * {@code curl -L} and the Java client follow both hops.
 */
final class RemotePartition implements PartitionHandle {
    private final int partition;
    private final List<String> replicas;
    /** Picks the node to redirect to (a replica this node can reach, preferring the preferred leader). */
    private final Supplier<BrokerException> redirect;

    RemotePartition(int partition, List<String> replicas, Supplier<BrokerException> redirect) {
        this.partition = partition;
        this.replicas = List.copyOf(replicas);
        this.redirect = redirect;
    }

    @Override
    public CompletableFuture<ProduceResult> produce(List<ProduceRecord> records, Acks acks, long timeoutMs) {
        return CompletableFuture.failedFuture(redirect.get());
    }

    @Override
    public CompletableFuture<ConsumeResult> consume(long offset, int limit, long maxBytes, long waitMs) {
        return CompletableFuture.failedFuture(redirect.get());
    }

    @Override
    public CompletableFuture<CommitResult> commit(String group, long offset) {
        return CompletableFuture.failedFuture(redirect.get());
    }

    @Override
    public long committedOffset(String group) {
        return -1;
    }

    @Override
    public CompletableFuture<Long> leaderCommittedOffset(String group) {
        return CompletableFuture.failedFuture(redirect.get());
    }

    @Override
    public CompletableFuture<DeleteBeforeResult> deleteBefore(long offset) {
        return CompletableFuture.failedFuture(redirect.get());
    }

    @Override
    public Status status() {
        return new Status(partition, null, 0, -1, -1, 0, 0, replicas, List.of());
    }
}
