package io.cairn.server.replica;

import io.cairn.core.NodeId;

/**
 * Node-wide settings of the replica layer. Every bound is named here with its unit.
 *
 * @param nodeId                     this node's id in every Raft group
 * @param groupThreads               threads that drive Raft groups; each group is pinned to one
 * @param readerThreads              threads that serve consume reads from segment files
 * @param tickMs                     one Raft tick
 * @param electionTimeoutTicks       Raft's base election timeout, in ticks
 * @param heartbeatTicks             leader heartbeat interval, in ticks
 * @param produceQueueRequestsMax    produce requests waiting to be coalesced into an entry, per
 *                                   partition; beyond it produce answers Overloaded (429)
 * @param produceQueueBytesMax       value bytes waiting in that queue, per partition
 * @param pendingRequestsMax         requests proposed but not yet answered, per partition
 * @param controlQueueMax            commits and delete-befores waiting to be proposed, per partition
 * @param batchBytesMax              value bytes coalesced into one batch entry (whole requests are
 *                                   never split, so one request larger than this is its own entry)
 * @param consumeWaitersMax          long-poll consumers waiting on one partition
 * @param checkpointIntervalBytes    write a state-machine checkpoint after this many entry bytes
 *                                   were applied since the last one (or four times the last
 *                                   checkpoint's size, if larger, so a big dedupe window costs at
 *                                   most a quarter of the log's write bandwidth); bounds restart replay
 * @param diskBytesMax               cap on the bytes of all partition logs on this node (0 = none)
 * @param diskFreeReserveBytes       produce answers DiskFull once the data filesystem has less
 *                                   than this free, keeping room for the control entries and
 *                                   snapshots that free space again (delete-before, retention);
 *                                   -1 skips the free-space check (tests of a truly full disk)
 * @param openTimeoutMs              how long {@code open} waits for a one-voter group to become
 *                                   a leader ready for writes
 */
public record ReplicaOptions(
        NodeId nodeId,
        int groupThreads,
        int readerThreads,
        long tickMs,
        int electionTimeoutTicks,
        int heartbeatTicks,
        int produceQueueRequestsMax,
        long produceQueueBytesMax,
        int pendingRequestsMax,
        int controlQueueMax,
        long batchBytesMax,
        int consumeWaitersMax,
        long checkpointIntervalBytes,
        long diskBytesMax,
        long diskFreeReserveBytes,
        long openTimeoutMs) {

    public ReplicaOptions {
        require(groupThreads >= 1, "groupThreads must be >= 1");
        require(readerThreads >= 1, "readerThreads must be >= 1");
        require(tickMs >= 1, "tickMs must be >= 1");
        require(electionTimeoutTicks >= 2, "electionTimeoutTicks must be >= 2");
        require(heartbeatTicks >= 1 && heartbeatTicks < electionTimeoutTicks, "heartbeatTicks must be in [1, electionTimeoutTicks)");
        require(produceQueueRequestsMax >= 1, "produceQueueRequestsMax must be >= 1");
        require(produceQueueBytesMax >= 1, "produceQueueBytesMax must be >= 1");
        require(pendingRequestsMax >= 1, "pendingRequestsMax must be >= 1");
        require(controlQueueMax >= 1, "controlQueueMax must be >= 1");
        require(batchBytesMax >= 1, "batchBytesMax must be >= 1");
        require(consumeWaitersMax >= 1, "consumeWaitersMax must be >= 1");
        require(checkpointIntervalBytes >= 1, "checkpointIntervalBytes must be >= 1");
        require(diskBytesMax >= 0, "diskBytesMax must be >= 0 (0 = unbounded)");
        require(diskFreeReserveBytes >= -1, "diskFreeReserveBytes must be >= 0, or -1 for no free-space check");
        require(openTimeoutMs >= 1, "openTimeoutMs must be >= 1");
    }

    /**
     * Defaults for one durable node: {@code min(4, cores)} group threads, 2 reader threads, 10 ms
     * ticks with a 1 s election timeout and 100 ms heartbeats, 10,000 queued requests or 64 MiB
     * per partition, 1 MiB batches, 10,000 long-poll waiters, a checkpoint every 64 MiB applied,
     * no size cap, 1 MiB free-space reserve, 30 s to open.
     */
    public static ReplicaOptions defaults(NodeId nodeId) {
        int cores = Runtime.getRuntime().availableProcessors();
        return new ReplicaOptions(nodeId, Math.max(1, Math.min(4, cores)), 2, 10, 100, 10,
                10_000, 64L << 20, 20_000, 10_000, 1L << 20, 10_000, 16L << 20, 0, 1L << 20, 30_000);
    }

    public ReplicaOptions withDiskBytesMax(long v) {
        return new ReplicaOptions(nodeId, groupThreads, readerThreads, tickMs, electionTimeoutTicks, heartbeatTicks,
                produceQueueRequestsMax, produceQueueBytesMax, pendingRequestsMax, controlQueueMax, batchBytesMax,
                consumeWaitersMax, checkpointIntervalBytes, v, diskFreeReserveBytes, openTimeoutMs);
    }

    public ReplicaOptions withDiskFreeReserveBytes(long v) {
        return new ReplicaOptions(nodeId, groupThreads, readerThreads, tickMs, electionTimeoutTicks, heartbeatTicks,
                produceQueueRequestsMax, produceQueueBytesMax, pendingRequestsMax, controlQueueMax, batchBytesMax,
                consumeWaitersMax, checkpointIntervalBytes, diskBytesMax, v, openTimeoutMs);
    }

    public ReplicaOptions withCheckpointIntervalBytes(long v) {
        return new ReplicaOptions(nodeId, groupThreads, readerThreads, tickMs, electionTimeoutTicks, heartbeatTicks,
                produceQueueRequestsMax, produceQueueBytesMax, pendingRequestsMax, controlQueueMax, batchBytesMax,
                consumeWaitersMax, v, diskBytesMax, diskFreeReserveBytes, openTimeoutMs);
    }

    public ReplicaOptions withGroupThreads(int v) {
        return new ReplicaOptions(nodeId, v, readerThreads, tickMs, electionTimeoutTicks, heartbeatTicks,
                produceQueueRequestsMax, produceQueueBytesMax, pendingRequestsMax, controlQueueMax, batchBytesMax,
                consumeWaitersMax, checkpointIntervalBytes, diskBytesMax, diskFreeReserveBytes, openTimeoutMs);
    }

    public ReplicaOptions withProduceQueue(int requestsMax, long bytesMax) {
        return new ReplicaOptions(nodeId, groupThreads, readerThreads, tickMs, electionTimeoutTicks, heartbeatTicks,
                requestsMax, bytesMax, pendingRequestsMax, controlQueueMax, batchBytesMax,
                consumeWaitersMax, checkpointIntervalBytes, diskBytesMax, diskFreeReserveBytes, openTimeoutMs);
    }

    public ReplicaOptions withConsumeWaitersMax(int v) {
        return new ReplicaOptions(nodeId, groupThreads, readerThreads, tickMs, electionTimeoutTicks, heartbeatTicks,
                produceQueueRequestsMax, produceQueueBytesMax, pendingRequestsMax, controlQueueMax, batchBytesMax,
                v, checkpointIntervalBytes, diskBytesMax, diskFreeReserveBytes, openTimeoutMs);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
