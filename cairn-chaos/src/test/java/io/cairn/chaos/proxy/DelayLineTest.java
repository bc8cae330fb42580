package io.cairn.chaos.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DelayLineTest {
    @Test
    void dueTimesStayWithinDelayPlusJitterAndNeverGoBackwards() {
        DelayLine line = new DelayLine(1);
        long prev = Long.MIN_VALUE;
        for (int i = 0; i < 1000; i++) {
            long now = i * 1_000_000L;
            long due = line.due(now, 10, 20);
            assertThat(due).isGreaterThanOrEqualTo(now + 10_000_000L);
            assertThat(due).isGreaterThanOrEqualTo(prev);
            prev = due;
        }
    }

    @Test
    void sameSeedSameSchedule() {
        DelayLine a = new DelayLine(99);
        DelayLine b = new DelayLine(99);
        for (int i = 0; i < 100; i++) {
            assertThat(a.due(i * 5_000_000L, 3, 40)).isEqualTo(b.due(i * 5_000_000L, 3, 40));
        }
    }
}
