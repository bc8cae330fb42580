package io.cairn.server.replica;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One thread that drives a fixed share of the node's Raft groups. Every RaftNode, state machine
 * and log writer of a group it owns is touched by this thread only, so none of them needs a lock.
 * It also ticks its groups every {@link ReplicaOptions#tickMs()}.
 */
final class GroupThread implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupThread.class);

    private final ScheduledExecutorService executor;
    private volatile Thread owner;
    /** The groups this thread ticks; touched on the thread only. Bounded by the partitions on the node. */
    private final List<PartitionReplica> replicas = new ArrayList<>();

    GroupThread(String name, long tickMs) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            owner = t;
            return t;
        });
        // Fixed delay, not fixed rate: after the thread was busy or starved of CPU, a fixed rate
        // fires every overdue tick back to back, and a burst of a second's ticks is an election
        // timeout that no peer message had a chance to reset. Logical time counts ticks this
        // thread actually had room for.
        executor.scheduleWithFixedDelay(this::tickAll, tickMs, tickMs, TimeUnit.MILLISECONDS);
    }

    ScheduledExecutorService executor() {
        return executor;
    }

    void execute(Runnable task) {
        executor.execute(task);
    }

    /** True on this group thread itself (where waiting for a task queued on it would deadlock). */
    boolean isCurrentThread() {
        return Thread.currentThread() == owner;
    }

    /** On this thread. */
    void register(PartitionReplica replica) {
        replicas.add(replica);
    }

    /** On this thread. */
    void unregister(PartitionReplica replica) {
        replicas.remove(replica);
    }

    private void tickAll() {
        for (PartitionReplica r : List.copyOf(replicas)) {
            try {
                r.onTick();
            } catch (Throwable t) {
                // One broken group must not stop the ticks of the others on this thread.
                LOG.error("tick failed for {}", r, t);
            }
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
