package io.cairn.storage;

import java.nio.charset.StandardCharsets;

/** Builds entries whose payload names them, so a read can be checked against what was written. */
final class TestEntries {
    private TestEntries() {}

    static final byte DATA = 1;
    static final byte CONTROL = 2;

    static LogEntry data(long term, long index, long offset, int records) {
        byte[] payload = ("entry-" + index + "-term-" + term + "-" + "x".repeat((int) (index % 37)))
                .getBytes(StandardCharsets.UTF_8);
        return LogEntry.of(DATA, term, index, offset, records, 1000 + offset, 1000 + offset + records, payload);
    }

    static LogEntry control(long term, long index, long offset) {
        return LogEntry.of(CONTROL, term, index, offset, 0, 0, 0, ("noop-" + index).getBytes(StandardCharsets.UTF_8));
    }

    /** Appends the next data entry with {@code records} records in {@code term}; returns it. */
    static LogEntry appendNext(SegmentLog log, long term, int records) throws Exception {
        LogEntry e = records == 0 ? control(term, log.lastIndex() + 1, log.nextOffset())
                : data(term, log.lastIndex() + 1, log.nextOffset(), records);
        log.append(e);
        return e;
    }
}
