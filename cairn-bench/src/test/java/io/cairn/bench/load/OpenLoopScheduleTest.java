package io.cairn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {
    @Test
    void splitsTheTotalRateEvenlyAndPhaseShiftsConnections() {
        // 1,000 req/s over 4 connections: each sends every 4 ms, offset by 1 ms from its neighbour.
        long start = 1_000_000_000L;
        OpenLoopSchedule c0 = new OpenLoopSchedule(start, 1_000, 4, 0);
        OpenLoopSchedule c1 = new OpenLoopSchedule(start, 1_000, 4, 1);
        OpenLoopSchedule c3 = new OpenLoopSchedule(start, 1_000, 4, 3);
        assertThat(c0.intendedNanos(0)).isEqualTo(start);
        assertThat(c0.intendedNanos(1)).isEqualTo(start + 4_000_000L);
        assertThat(c1.intendedNanos(0)).isEqualTo(start + 1_000_000L);
        assertThat(c3.intendedNanos(2)).isEqualTo(start + 3_000_000L + 8_000_000L);
    }

    @Test
    void aStallIsChargedToEveryRequestThatShouldHaveBeenSentDuringIt() {
        // One connection at 100 req/s (every 10 ms). The server stalls 1 s on request 0, then answers
        // instantly. A closed-loop client would record one 1 s sample and then ~0 ms samples; the
        // corrected figures charge request k with the time it waited past its intended slot.
        OpenLoopSchedule s = new OpenLoopSchedule(0, 100, 1, 0);
        long stallEnd = 1_000_000_000L;
        assertThat(s.correctedLatencyNanos(0, stallEnd)).isEqualTo(1_000_000_000L);
        // Request 50 was intended at 500 ms, could only be sent when request 0 came back at 1 s.
        assertThat(s.correctedLatencyNanos(50, stallEnd + 1_000)).isEqualTo(500_000_000L + 1_000);
        // Request 99 was intended at 990 ms: still 10 ms late.
        assertThat(s.correctedLatencyNanos(99, stallEnd + 2_000)).isEqualTo(10_000_000L + 2_000);
    }

    @Test
    void countsRequestsIntendedBeforeAnInstant() {
        // 1,000 req/s over 4 connections; connection 1 sends at 1, 5, 9, … ms.
        OpenLoopSchedule c1 = new OpenLoopSchedule(0, 1_000, 4, 1);
        assertThat(c1.countBefore(0)).isZero();
        assertThat(c1.countBefore(1_000_000L)).isZero();
        assertThat(c1.countBefore(1_000_001L)).isEqualTo(1);
        assertThat(c1.countBefore(9_000_000L)).isEqualTo(2);
        assertThat(c1.countBefore(9_000_001L)).isEqualTo(3);
        assertThat(c1.countBefore(1_000_000_000L)).isEqualTo(250);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 10, 2, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void highRatesDoNotDriftFromRounding() {
        // 3 requests per microsecond-ish: 333,333 req/s over 7 connections; after a million requests
        // the schedule must still match rate * time to within one interval.
        OpenLoopSchedule s = new OpenLoopSchedule(0, 333_333, 7, 0);
        long k = 1_000_000;
        double expected = k * 7 * (1e9 / 333_333);
        assertThat((double) s.intendedNanos(k)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e9 / 333_333));
    }
}
