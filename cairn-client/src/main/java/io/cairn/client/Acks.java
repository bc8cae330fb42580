package io.cairn.client;

/** Write concern of a produce: on how many replicas the record is fsynced before the answer. */
public enum Acks {
    LEADER("leader"),
    MAJORITY("majority"),
    ALL("all");

    private final String wire;

    Acks(String wire) {
        this.wire = wire;
    }

    /** The query-string spelling. */
    public String wire() {
        return wire;
    }
}
