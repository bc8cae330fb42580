package io.cairn.chaos.workload;

import java.time.Duration;

/**
 * Shape of the workload.
 *
 * @param producers single-record producer threads
 * @param batchProducers threads producing {@code produce-ndjson} batches of 1..{@code batchRecordsMax}
 * @param readers threads reading every partition from offset 0
 * @param groupConsumers threads consuming through a group and committing what they read
 * @param opPause pause between one thread's operations, so two cores shared with the nodes are not
 *     saturated and the history stays a reviewable size
 * @param produceTimeoutMs the {@code timeout_ms} each produce asks the server for
 * @param unknownRetriesMax how many times a producer resends a write whose outcome stayed unknown
 */
public record WorkloadConfig(
        String topic,
        int partitions,
        int producers,
        int batchProducers,
        int batchRecordsMax,
        int readers,
        int groupConsumers,
        Duration opPause,
        int produceTimeoutMs,
        int unknownRetriesMax) {

    public static WorkloadConfig defaults(String topic, int partitions) {
        return new WorkloadConfig(topic, partitions, 4, 1, 5, 1, 1, Duration.ofMillis(10), 3000, 3);
    }
}
