package io.cairn.chaos.history;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A read of a whole partition at the end of the run.
 *
 * @param node the node id read directly, or {@link #VIA_LEADER} for a read through the leader
 *     (the authoritative committed log)
 * @param complete true when the read reached the high watermark it saw; false when it failed part way
 * @param error why the read is incomplete, if it is
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FinalRead(String node, String topic, int partition, long logStart, long highWatermark,
                        List<ReadRecord> records, boolean complete, String error) {
    public static final String VIA_LEADER = "leader";
}
