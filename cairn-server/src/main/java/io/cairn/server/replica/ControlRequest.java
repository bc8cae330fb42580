package io.cairn.server.replica;

import io.cairn.core.partition.PartitionCommand;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A group-offset commit or a delete-before on its way through a replica. Answered when its entry
 * is applied (the state machine decides the result), or on failure or timeout.
 */
final class ControlRequest<T> {
    final PartitionCommand command;
    final long deadlineNanos;
    final CompletableFuture<T> future = new CompletableFuture<>();
    final AtomicBoolean claimed = new AtomicBoolean();
    long index;
    long term;

    ControlRequest(PartitionCommand command, long deadlineNanos) {
        this.command = command;
        this.deadlineNanos = deadlineNanos;
    }

    boolean isDone() {
        return claimed.get();
    }

    boolean fail(Throwable error) {
        if (claimed.compareAndSet(false, true)) {
            future.completeExceptionally(error);
            return true;
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    boolean complete(Object result) {
        if (claimed.compareAndSet(false, true)) {
            future.complete((T) result);
            return true;
        }
        return false;
    }
}
