package io.cairn.chaos.workload;

import java.time.Duration;

/**
 * Shape of the workload.
 *
 * @param producers single-record producer threads
 * @param impatientProducers producer threads whose first attempt gives up after a few milliseconds,
 *     so many writes commit without an answer and are resent later with the same key: this
 *     exercises dedupe of committed keys (promise 4) even when no fault is active
 * @param batchProducers threads producing {@code produce-ndjson} batches of 1..{@code batchRecordsMax}
 * @param readers threads reading every partition from offset 0
 * @param groupConsumers threads consuming through a group and committing what they read
 * @param opPause pause between one thread's operations, so two cores shared with the nodes are not
 *     saturated and the history stays a reviewable size
 * @param produceTimeoutMs the {@code timeout_ms} each produce asks the server for
 * @param unknownRetriesMax how many times a producer resends a write whose outcome stayed unknown (bounds the resend queue too)
 */
public record WorkloadConfig(
        String topic,
        int partitions,
        int producers,
        int impatientProducers,
        int batchProducers,
        int batchRecordsMax,
        int readers,
        int groupConsumers,
        Duration opPause,
        int produceTimeoutMs,
        int unknownRetriesMax) {

    public static WorkloadConfig defaults(String topic, int partitions) {
        return new WorkloadConfig(topic, partitions, 4, 1, 1, 5, 1, 1, Duration.ofMillis(10), 3000, 10);
    }
}
