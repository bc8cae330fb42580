package io.cairn.core;

/**
 * Names one Raft group (a partition replica set or the metadata group) on a node.
 *
 * <p>Many groups run side by side in one process, so messages and logs carry this id to be
 * routed to the right group. The caller assigns the numbers; the core only compares them.
 */
public record GroupId(long value) implements Comparable<GroupId> {
    public GroupId {
        if (value < 0) {
            throw new IllegalArgumentException("group id must be >= 0, got " + value);
        }
    }

    public static GroupId of(long value) {
        return new GroupId(value);
    }

    @Override
    public int compareTo(GroupId other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        return "g" + value;
    }
}
