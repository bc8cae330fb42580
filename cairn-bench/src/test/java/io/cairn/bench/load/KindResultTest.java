package io.cairn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KindResultTest {
    @Test
    void failuresAreCountedAndSummarisedNeverHidden() {
        KindResult a = new KindResult("produce");
        a.recordOk(2_000_000, 1);
        a.recordStatus(503);
        a.recordStatus(503);
        a.recordError("closed");
        KindResult b = new KindResult("produce");
        b.recordOk(4_000_000, 1);
        b.recordStatus(400);
        b.recordUnfinished(3);
        a.add(b);
        assertThat(a.okRequests()).isEqualTo(2);
        assertThat(a.latencyUs().getTotalCount()).isEqualTo(2);
        assertThat(a.failedTotal()).isEqualTo(2 + 1 + 1 + 3);
        assertThat(a.failureSummary()).isEqualTo("400×1, 503×2, closed×1, unfinished×3");
    }

    @Test
    void noFailuresReadsZero() {
        KindResult a = new KindResult("noop");
        a.recordOk(1_000, 1);
        assertThat(a.failureSummary()).isEqualTo("0");
    }

    @Test
    void batchesCountRecordsNotRequests() {
        KindResult a = new KindResult("batch");
        a.recordOk(10_000_000, 1000);
        a.recordOk(10_000_000, 1000);
        assertThat(a.okRequests()).isEqualTo(2);
        assertThat(a.okRecords()).isEqualTo(2000);
    }

    @Test
    void latenciesBeyondAnHourAreClampedAndCounted() {
        KindResult a = new KindResult("produce");
        a.recordOk(2L * 3_600_000_000_000L, 1);
        assertThat(a.latencyUs().getMaxValue()).isGreaterThanOrEqualTo(KindResult.LATENCY_US_MAX);
        assertThat(a.failureSummary()).contains(">1h×1");
    }
}
