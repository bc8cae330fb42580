package io.cairn.sim;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeds from long campaigns (outside the CI range of {@link RaftSimTest}) that once failed, kept
 * so that the bug they found stays fixed. Each replays exactly; see cairn-sim/README.md for what
 * each seed found. A seed can stop exercising its original interleaving when the simulator
 * changes; the core's golden scenarios pin the interleavings themselves.
 */
class RegressionSeedsSimTest {
    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {
            // Promotion committed by a leader that was then lost for good: the survivors had
            // to count votes under the membership in their log (promotion_committer_lost.txt).
            307349,
            // One voter promoting a learner, the promotion uncommitted when the voter restarts:
            // it needs the learner's vote, and the learner must leave the old leader's lease
            // (its election timer must keep running) to answer it.
            312727, 319536,
            // With the repair branch: a follower cut at damaged data below the leader's log
            // start; the leader's back-off hint was raised to its log start, so it sent appends
            // after the follower's log forever instead of a snapshot (RaftLog.findConflictByTerm).
            352325, 352416, 353947,
    })
    void formerlyFailingSeedPasses(long seed) {
        int voters = SimRun.votersForSeed(seed);
        SimRun.Result r = new SimRun(seed, voters).run();
        System.out.println("seed=" + seed + " voters=" + voters + (r.ok() ? " ok " : " FAIL " + r.violation() + " ")
                + r.stats() + " trace=" + Long.toHexString(r.traceHash()));
        assertThat(r.ok()).as("seed=%s voters=%s: %s", seed, voters, r.violation()).isTrue();
    }
}
