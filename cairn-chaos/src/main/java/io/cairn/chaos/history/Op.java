package io.cairn.chaos.history;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One client operation. Times are microseconds since the run started. Writes carry their values,
 * idempotency keys and (when acknowledged) offsets as parallel lists, one entry per record, so a
 * single produce and a batch look alike to the checker.
 *
 * @param process the workload thread that issued it (operations of one process never overlap)
 * @param node base URL of the node that answered, when one did
 * @param duplicates the server's dedupe flag per record, when acknowledged
 * @param fromOffset first offset asked for by a read
 * @param records records a read returned
 * @param committedOffset the group's committed offset as the node reported it (reads and commits)
 * @param commitOffset the offset a commit asked to commit
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Op(
        long id,
        String process,
        OpType type,
        long invokeUs,
        long completeUs,
        Outcome outcome,
        String node,
        String topic,
        Integer partition,
        List<String> values,
        List<String> keys,
        List<Long> offsets,
        List<Boolean> duplicates,
        String group,
        Long fromOffset,
        List<ReadRecord> records,
        Long committedOffset,
        Long commitOffset,
        Integer attempts,
        Integer ambiguousAttempts,
        String error) {

    @JsonIgnore
    public boolean isWrite() {
        return type == OpType.PRODUCE || type == OpType.PRODUCE_BATCH || type == OpType.PROBE;
    }

    @JsonIgnore
    public long latencyUs() {
        return completeUs - invokeUs;
    }
}
