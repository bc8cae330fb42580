package io.cairn.core.raft;

import java.util.Objects;

/**
 * A snapshot: metadata plus the application's opaque state bytes (for a partition: group offsets,
 * idempotency window and log start). The core never looks inside {@code data}.
 */
public record Snapshot(SnapshotMetadata metadata, byte[] data) {
    public Snapshot {
        Objects.requireNonNull(metadata, "metadata");
        data = data == null ? new byte[0] : data;
    }

    public long index() {
        return metadata.index();
    }

    public long term() {
        return metadata.term();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Snapshot s && metadata.equals(s.metadata) && java.util.Arrays.equals(data, s.data);
    }

    @Override
    public int hashCode() {
        return metadata.hashCode() * 31 + java.util.Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "snapshot@" + metadata.index() + "/" + metadata.term() + "(" + data.length + "B)";
    }
}
