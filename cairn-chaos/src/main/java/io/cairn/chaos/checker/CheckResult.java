package io.cairn.chaos.checker;

import java.util.List;
import java.util.Map;

/**
 * What the checker found.
 *
 * @param opsByTypeAndOutcome e.g. {@code PRODUCE/OK -> 812}
 * @param acknowledged acknowledged records (each record of a batch counts)
 * @param unknownPresent records whose write had an unknown outcome and turned out to be committed
 * @param unknownAbsent records whose write had an unknown outcome and turned out not to be committed
 * @param dedupeHits acknowledged records the server reported as {@code duplicate:true}
 * @param readsChecked records seen by readers and compared with the committed log
 * @param finalRecoveryMs time from the final heal until every written partition had taken a write again (ms), -1 if one never did
 * @param faultRecoveryMs per fault window: time from heal to the next acknowledged write (ms), -1 if none
 * @param notes observations that are not violations (e.g. a node that could not be read directly)
 */
public record CheckResult(
        List<Violation> violations,
        Map<String, Long> opsByTypeAndOutcome,
        long acknowledged,
        long lost,
        long duplicates,
        long unknownPresent,
        long unknownAbsent,
        long dedupeHits,
        long readsChecked,
        long finalRecoveryMs,
        Map<Long, Long> faultRecoveryMs,
        List<String> notes) {

    public boolean allGreen() {
        return violations.isEmpty();
    }
}
