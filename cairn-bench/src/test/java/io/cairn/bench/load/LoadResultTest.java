package io.cairn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoadResultTest {
    @Test
    void aBacklogFinishedAfterTheWindowLowersTheRateInsteadOfInflatingIt() {
        // 10 s window starting at t=100 s; 400,000 requests intended in it, the last answered at
        // t=120 s: the server did 400,000 in 20 s, not in 10 s.
        KindResult k = new KindResult("produce");
        long start = 100_000_000_000L;
        for (int i = 0; i < 399_999; i++) {
            k.recordOk(1_000_000, 1, start + 1_000_000_000L);
        }
        k.recordOk(1_000_000, 1, start + 20_000_000_000L);
        LoadResult r = new LoadResult(List.of(k), start, 10.0, 40_000, 64);
        assertThat(r.recordsPerSecond("produce")).isEqualTo(20_000.0);
    }

    @Test
    void aRunThatFinishesInsideTheWindowIsDividedByTheWindow() {
        KindResult k = new KindResult("produce");
        long start = 5_000_000_000L;
        for (int i = 0; i < 1000; i++) {
            k.recordOk(1_000_000, 1, start + 9_000_000_000L);
        }
        LoadResult r = new LoadResult(List.of(k), start, 10.0, 0, 4);
        assertThat(r.recordsPerSecond("produce")).isEqualTo(100.0);
    }
}
