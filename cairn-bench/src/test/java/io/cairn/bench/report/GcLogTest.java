package io.cairn.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GcLogTest {
    @Test
    void sumsZgcPausesSafepointsAndAllocationStalls() {
        // Lines as JDK 25 writes them with -Xlog:gc*,safepoint and ZGC.
        GcLog g = GcLog.parse("""
                [0.402s][info][gc,phases   ] GC(0) Y: Pause Mark Start (Major) 0.034ms
                [0.416s][info][gc,phases   ] GC(0) Y: Pause Mark End 0.016ms
                [0.421s][info][gc,alloc    ] GC(0) Y: Allocation Stalls:          0                0                0                0
                [0.402s][info][safepoint   ] Safepoint "ZMarkStartYoungAndOld", Time since last: 318049040 ns, Reaching safepoint: 125826 ns, At safepoint: 66709 ns, Leaving safepoint: 5188 ns, Total: 197723 ns, Threads: 2 runnable, 10 total
                [0.416s][info][safepoint   ] Safepoint "ZMarkEndYoung", Time since last: 13798232 ns, Reaching safepoint: 102131 ns, At safepoint: 31026 ns, Leaving safepoint: 15643 ns, Total: 148800 ns, Threads: 1 runnable, 10 total
                [1.500s][info][gc          ] Allocation Stall (epoll-1) 12.500ms
                """);
        assertThat(g.gcPauses()).isEqualTo(2);
        assertThat(g.gcPauseMsTotal()).isCloseTo(0.050, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(g.gcPauseMsMax()).isEqualTo(0.034);
        assertThat(g.safepoints()).isEqualTo(2);
        assertThat(g.safepointMsMax()).isCloseTo(0.197723, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(g.allocationStalls()).isEqualTo(1);
        assertThat(g.allocationStallMsTotal()).isEqualTo(12.5);
    }

    @Test
    void emptyLogIsZeroes() {
        assertThat(GcLog.parse("").summary()).startsWith("GC pauses 0 (total 0.00 ms");
    }
}
