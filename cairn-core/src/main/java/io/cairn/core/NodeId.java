package io.cairn.core;

import java.util.Objects;

/**
 * The stable name of a Cairn node ({@code n1}, {@code broker-3}), as given by {@code --node-id}.
 *
 * <p>A distinct type so a node id can never be confused with a group id, a term or an index.
 * Ids are compared by value; ordering is lexicographic so traces and status output are stable.
 */
public record NodeId(String value) implements Comparable<NodeId> {
    /** Bound on the id length so ids can be framed in peer messages without surprises. */
    public static final int LENGTH_MAX = 64;

    public NodeId {
        Objects.requireNonNull(value, "node id");
        if (value.isEmpty() || value.length() > LENGTH_MAX) {
            throw new IllegalArgumentException("node id must be 1.." + LENGTH_MAX + " characters, got '" + value + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
            if (!ok) {
                throw new IllegalArgumentException("node id may contain only letters, digits, '-', '_' and '.', got '" + value + "'");
            }
        }
    }

    public static NodeId of(String value) {
        return new NodeId(value);
    }

    @Override
    public int compareTo(NodeId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
