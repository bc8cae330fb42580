package io.cairn.core.raft;

import io.cairn.core.NodeId;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One membership change. Changes happen one node at a time (Raft dissertation §4.1): a new node
 * joins as a learner, is promoted to voter once caught up, and is removed in one step. Only one
 * change may be pending (proposed but not yet applied) at a time, which keeps any majority of the
 * old voters overlapping any majority of the new ones.
 */
public record ConfigChange(Type type, NodeId node) {
    public enum Type { ADD_LEARNER, PROMOTE_VOTER, REMOVE_NODE }

    public ConfigChange {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(node, "node");
    }

    /** Encodes as {@code type-ordinal byte} followed by the UTF-8 node id; the entry's data. */
    public byte[] encode() {
        byte[] id = node.value().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[1 + id.length];
        out[0] = (byte) type.ordinal();
        System.arraycopy(id, 0, out, 1, id.length);
        return out;
    }

    public static ConfigChange decode(byte[] data) {
        if (data == null || data.length < 2 || data[0] < 0 || data[0] >= Type.values().length) {
            throw new IllegalArgumentException("malformed config change entry");
        }
        return new ConfigChange(Type.values()[data[0]], NodeId.of(new String(data, 1, data.length - 1, StandardCharsets.UTF_8)));
    }
}
