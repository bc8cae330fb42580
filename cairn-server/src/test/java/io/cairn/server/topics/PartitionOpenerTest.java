package io.cairn.server.topics;

import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionOpenerTest {
    /** Bound on any wait in these tests, so a broken opener fails instead of hanging. */
    static final long WAIT_MS = 30_000;

    @Test
    void returnsTheHandlesInTheOrderOfTheSpecs() {
        List<Integer> specs = IntStream.range(0, 50).boxed().toList();
        List<String> handles = PartitionOpener.openAll(specs, i -> "p" + i, h -> {});
        assertThat(handles).isEqualTo(specs.stream().map(i -> "p" + i).toList());
    }

    @Test
    void opensSeveralPartitionsAtTheSameTime() throws Exception {
        // Each open waits until OPEN_PARALLELISM_MAX opens are under way: one after the other, the
        // first would wait out the deadline and the test would fail.
        int n = PartitionOpener.OPEN_PARALLELISM_MAX;
        CountDownLatch allStarted = new CountDownLatch(n);
        List<Boolean> sawOthers = Collections.synchronizedList(new ArrayList<>());
        PartitionOpener.openAll(IntStream.range(0, n).boxed().toList(), i -> {
            allStarted.countDown();
            try {
                sawOthers.add(allStarted.await(WAIT_MS, TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return i;
        }, h -> {});
        assertThat(sawOthers).hasSize(n).containsOnly(true);
    }

    @Test
    void aFailedOpenClosesEveryPartitionThatOpenedAndReportsTheFirstFailure() {
        List<Integer> closed = Collections.synchronizedList(new ArrayList<>());
        List<Integer> specs = IntStream.range(0, 20).boxed().toList();
        assertThatThrownBy(() -> PartitionOpener.openAll(specs, i -> {
            if (i == 7 || i == 13) {
                throw new UncheckedIOException("cannot open partition " + i, new java.io.IOException("disk says no"));
            }
            return i;
        }, closed::add))
            .isInstanceOf(UncheckedIOException.class)
            .hasMessage("cannot open partition 7");
        assertThat(closed).containsExactlyInAnyOrderElementsOf(
            specs.stream().filter(i -> i != 7 && i != 13).toList());
    }

    @Test
    void noPartitionsOpenNothing() {
        assertThat(PartitionOpener.openAll(List.<Integer>of(), i -> i, h -> {})).isEmpty();
    }
}
