package io.cairn.sim;

/**
 * A running 64-bit FNV-1a hash of everything observable in a run (deliveries, ticks, role
 * changes, commits). Two runs from the same seed must end with the same value; the
 * determinism test compares them. Cheaper than keeping the whole trace, and any divergence
 * anywhere shows up in the final value.
 */
public final class TraceHash {
    private long hash = 0xCBF29CE484222325L;
    private long events;

    public void add(long value) {
        for (int i = 0; i < 8; i++) {
            hash = (hash ^ ((value >>> (i * 8)) & 0xFF)) * 0x100000001B3L;
        }
        events++;
    }

    public void add(String value) {
        // String.hashCode is fixed by the Java specification, so it is stable across JVMs.
        add(((long) value.hashCode() << 32) | value.length());
    }

    public long value() {
        return hash;
    }

    public long events() {
        return events;
    }
}
