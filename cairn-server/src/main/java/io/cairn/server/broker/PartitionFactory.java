package io.cairn.server.broker;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens partition replicas for the topic registry. The registry decides <em>which</em>
 * partitions exist and where their directories are; the factory (the replica engineer's
 * Raft-backed implementation) decides how a replica stores and replicates records.
 *
 * <p>Calls are blocking and happen on the registry's admin thread, never on an event loop.
 */
public interface PartitionFactory extends AutoCloseable {

    /**
     * Opens the replica stored in {@code spec.dir()}, creating the directory and an empty log
     * when it does not exist yet, and recovering the log's tail when it does. When this returns,
     * the replica serves reads and accepts writes (as leader of a one-voter group on a single node).
     *
     * @throws IOException when the directory is unusable; the registry reports it and stops
     */
    PartitionHandle open(PartitionSpec spec) throws IOException;

    /** Releases threads shared by all replicas; every handle has been closed before this. */
    @Override
    default void close() {}

    /** What a replica needs to know to open; {@code dir} is {@code <data-dir>/topics/<topic>/<partition>}. */
    record PartitionSpec(String topic, int partition, Path dir, PartitionSettings settings) {}

    /**
     * Node-wide storage settings from the configuration (flag, env or {@code cairn.properties}).
     *
     * @param segmentBytesMax      seal the active segment at this size
     * @param segmentMs            seal the active segment once it is this old (0 = never by age)
     * @param recordBytesMax       largest record value accepted
     * @param dedupeWindowMs       how long an idempotency key is remembered
     * @param dedupeWindowKeysMax  how many idempotency keys each partition remembers at most
     */
    record PartitionSettings(long segmentBytesMax, long segmentMs, int recordBytesMax,
                             long dedupeWindowMs, long dedupeWindowKeysMax) {}
}
