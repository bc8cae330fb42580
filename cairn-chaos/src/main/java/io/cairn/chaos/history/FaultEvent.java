package io.cairn.chaos.history;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One injected fault window: from {@code startUs} (injected) to {@code endUs} (healed), in
 * microseconds since the run started. {@code endUs} is -1 while the fault is active.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FaultEvent(long id, String kind, List<String> targets, long startUs, long endUs, String detail) {
    public FaultEvent healedAt(long us, String moreDetail) {
        return new FaultEvent(id, kind, targets, startUs, us, moreDetail == null ? detail : detail + "; " + moreDetail);
    }
}
