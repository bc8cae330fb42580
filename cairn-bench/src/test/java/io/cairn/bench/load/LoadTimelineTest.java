package io.cairn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class LoadTimelineTest {
    private static final long MS = 1_000_000L;

    @Test
    void placesEachAnswerInTheSliceOfItsIntendedSendAndAnswerTimes() {
        // Origin at 1 s, 1 s of run: slices of 100 ms. A request intended at 150 ms, sent at 250 ms
        // (behind its connection's previous answer) and answered at 420 ms.
        long origin = 1_000 * MS;
        LoadTimeline t = new LoadTimeline(origin, 1_000 * MS);
        t.record(origin + 150 * MS, origin + 250 * MS, origin + 420 * MS, 0);
        assertThat(t.intended(1)).isEqualTo(1);
        assertThat(t.latencyMaxUs(1)).isEqualTo(270_000);
        assertThat(t.serviceMaxUs(2)).isEqualTo(170_000);
        assertThat(t.answered(4)).isEqualTo(1);
        assertThat(t.intended(2) + t.intended(4)).isZero();
    }

    @Test
    void aBacklogShowsAsRisingLatencyWhileServiceTimeStaysSmall() {
        // The signature the timeline exists to show: the server answers every request in 2 ms but
        // completes fewer per second than intended, so the corrected latency climbs slice by slice.
        long origin = 0;
        LoadTimeline t = new LoadTimeline(origin, 2_000 * MS);
        long free = 0;
        for (int k = 0; k < 100; k++) {
            long intended = k * 10 * MS; // 100 req/s intended on one connection
            long sent = Math.max(intended, free);
            long answered = sent + 12 * MS; // but each takes 12 ms: 83 req/s achieved
            t.record(intended, sent, answered, LoadConnection.loadgenDelayNanos(sent, intended, free));
            free = answered;
        }
        int worst = t.worstLatencyBucket(0, 2_000 * MS);
        assertThat(worst).isEqualTo(9);
        assertThat(t.latencyMaxUs(worst)).isGreaterThan(150_000);
        for (int i = 0; i < t.buckets(); i++) {
            assertThat(t.serviceMaxUs(i)).isLessThanOrEqualTo(12_000);
            assertThat(t.clientDelayMaxUs(i)).isZero();
        }
    }

    @Test
    void loadGeneratorDelayIsOnlyTheLatenessPastBothTheScheduleAndThePreviousAnswer() {
        // Sent right when the previous answer arrived, after the intended time: no delay of ours.
        assertThat(LoadConnection.loadgenDelayNanos(500, 100, 500)).isZero();
        // Intended at 100, previous answer at 50, sent at 130: the timer fired 30 late.
        assertThat(LoadConnection.loadgenDelayNanos(130, 100, 50)).isEqualTo(30);
        // Previous answer at 400, sent at 470: 70 spent in the generator before sending.
        assertThat(LoadConnection.loadgenDelayNanos(470, 100, 400)).isEqualTo(70);
    }

    @Test
    void mergesConnectionsAndWritesOneCsvLinePerSliceUpToTheLastActivity() throws Exception {
        LoadTimeline a = new LoadTimeline(0, 1_000 * MS);
        LoadTimeline b = new LoadTimeline(0, 1_000 * MS);
        a.record(10 * MS, 10 * MS, 15 * MS, 0);
        b.record(20 * MS, 25 * MS, 230 * MS, 5 * MS);
        LoadTimeline m = a.copy();
        m.add(b);
        assertThat(m.intended(0)).isEqualTo(2);
        assertThat(m.latencyMaxUs(0)).isEqualTo(210_000);
        assertThat(m.clientDelayMaxUs(0)).isEqualTo(5_000);
        assertThat(m.answered(2)).isEqualTo(1);
        assertThat(a.intended(0)).isEqualTo(1); // the copy is independent of its source

        StringWriter out = new StringWriter();
        m.writeCsv(out, 100 * MS);
        String[] lines = out.toString().split("\n");
        assertThat(lines[0]).isEqualTo("t_ms,utc,intended,answered,latency_max_ms,service_max_ms,loadgen_delay_max_ms");
        assertThat(lines).hasSize(4); // header + slices 0..2 (the last answer is in slice 2)
        assertThat(lines[1]).startsWith("-100,").endsWith(",2,1,210.000,205.000,5.000");

        assertThatThrownBy(() -> m.add(new LoadTimeline(1, 1_000 * MS)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eventsOutsideTheRunLandInTheFirstOrLastSliceInsteadOfBeingLost() {
        LoadTimeline t = new LoadTimeline(1_000 * MS, 300 * MS);
        t.record(0, 0, 10_000 * MS, 0);
        assertThat(t.intended(0)).isEqualTo(1);
        assertThat(t.answered(t.buckets() - 1)).isEqualTo(1);
    }
}
