package io.cairn.sim;

import io.cairn.core.Invariants;

import java.util.PriorityQueue;

/**
 * Simulated time and the single event queue that drives a run.
 *
 * <p>Events run in order of (time, insertion sequence): the sequence number breaks ties so
 * that two events at the same microsecond always run in the order they were scheduled, never
 * in an order chosen by a hash or by the heap's internals. Nothing here reads a real clock.
 */
public final class Scheduler {
    /**
     * Bound on queued events. A run that exceeds it is itself a bug (a feedback loop of
     * messages or timers), so it fails loudly rather than eating memory.
     */
    public static final int EVENTS_QUEUED_MAX = 2_000_000;

    private record Event(long atUs, long sequence, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(atUs, o.atUs);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long nowUs;
    private long sequence;
    private long eventsRun;

    public long nowUs() {
        return nowUs;
    }

    public long eventsRun() {
        return eventsRun;
    }

    public int eventsQueued() {
        return queue.size();
    }

    /** Runs {@code action} at simulated time {@code atUs}, which must not be in the past. */
    public void at(long atUs, Runnable action) {
        Invariants.check(atUs >= nowUs, "event scheduled in the past: %s < %s", atUs, nowUs);
        Invariants.check(queue.size() < EVENTS_QUEUED_MAX, "event queue over its bound %s", EVENTS_QUEUED_MAX);
        queue.add(new Event(atUs, sequence++, action));
    }

    public void after(long delayUs, Runnable action) {
        at(nowUs + delayUs, action);
    }

    /** Runs the next event, advancing time to it. Returns false if the queue is empty. */
    public boolean runNext() {
        Event e = queue.poll();
        if (e == null) {
            return false;
        }
        nowUs = e.atUs;
        eventsRun++;
        e.action.run();
        return true;
    }

    /** Runs events until simulated time would pass {@code untilUs} (events at exactly it run). */
    public void runUntil(long untilUs) {
        while (!queue.isEmpty() && queue.peek().atUs <= untilUs) {
            runNext();
        }
        if (nowUs < untilUs) {
            nowUs = untilUs;
        }
    }
}
