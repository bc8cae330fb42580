package io.cairn.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SchedulerTest {
    @Test
    void runsEventsInTimeThenInsertionOrder() {
        Scheduler s = new Scheduler();
        List<String> order = new ArrayList<>();
        s.at(5, () -> order.add("b"));
        s.at(1, () -> order.add("a"));
        s.at(5, () -> order.add("c"));
        s.at(5, () -> s.after(0, () -> order.add("d")));
        s.runUntil(10);
        assertThat(order).containsExactly("a", "b", "c", "d");
        assertThat(s.nowUs()).isEqualTo(10);
    }

    @Test
    void sameSeedSameStreamAndForksDiffer() {
        SimRandom a = new SimRandom(42);
        SimRandom b = new SimRandom(42);
        for (int i = 0; i < 100; i++) {
            assertThat(a.nextLong()).isEqualTo(b.nextLong());
        }
        assertThat(a.fork("net").nextLong()).isNotEqualTo(a.fork("disk").nextLong());
        for (int i = 0; i < 1000; i++) {
            assertThat(a.between(3, 7)).isBetween(3L, 7L);
        }
    }
}
