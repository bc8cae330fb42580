package io.cairn.server.transport;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.RaftMessage;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Binary encoding of the Raft core's messages. The group, sender and receiver are not in the
 * body: the frame carries the group id, the connection's handshake names the sender and the
 * receiver is the node that accepted the connection. A sender therefore cannot claim to be
 * another node.
 *
 * <p>Body: u8 tag, u64 term, then per type (all big-endian; flags are one byte each):
 * <pre>
 *   1 VoteRequest        lastLogIndex u64, lastLogTerm u64, preVote, transfer
 *   2 VoteResponse       preVote, granted, commit u64, commitTerm u64
 *   3 AppendRequest      prevLogIndex u64, prevLogTerm u64, commit u64, count u32, entries
 *   4 AppendResponse     success, index u64, hintIndex u64, hintTerm u64
 *   5 Heartbeat          commit u64, readRound u64
 *   6 HeartbeatResponse  readRound u64
 *   7 InstallSnapshot    index u64, term u64, voters, learners, data
 *   8 TimeoutNow         commit u64
 *   entry = term u64, index u64, type u8, length u32, bytes;  node set = count u16, str...
 * </pre>
 * The tags and layouts are a wire format: never renumber, only add.
 */
public final class RaftMessageCodec implements MessageCodec<RaftMessage> {
    static final byte VOTE_REQUEST = 1;
    static final byte VOTE_RESPONSE = 2;
    static final byte APPEND_REQUEST = 3;
    static final byte APPEND_RESPONSE = 4;
    static final byte HEARTBEAT = 5;
    static final byte HEARTBEAT_RESPONSE = 6;
    static final byte INSTALL_SNAPSHOT = 7;
    static final byte TIMEOUT_NOW = 8;

    /** Bound on entries in one append; the core's appendBytesMax keeps real appends far below. */
    public static final int ENTRIES_PER_APPEND_MAX = 1_000_000;
    /** Bound on members listed in a snapshot's membership. */
    public static final int MEMBERS_MAX = 1024;

    @Override
    public void encode(RaftMessage message, ByteBuf out) {
        switch (message) {
            case RaftMessage.VoteRequest m -> {
                out.writeByte(VOTE_REQUEST).writeLong(m.term());
                out.writeLong(m.lastLogIndex()).writeLong(m.lastLogTerm());
                out.writeBoolean(m.preVote()).writeBoolean(m.transfer());
            }
            case RaftMessage.VoteResponse m -> {
                out.writeByte(VOTE_RESPONSE).writeLong(m.term());
                out.writeBoolean(m.preVote()).writeBoolean(m.granted()).writeLong(m.commit()).writeLong(m.commitTerm());
            }
            case RaftMessage.AppendRequest m -> {
                out.writeByte(APPEND_REQUEST).writeLong(m.term());
                out.writeLong(m.prevLogIndex()).writeLong(m.prevLogTerm()).writeLong(m.commit());
                out.writeInt(m.entries().size());
                for (Entry e : m.entries()) {
                    out.writeLong(e.term()).writeLong(e.index()).writeByte(e.type().code());
                    out.writeInt(e.data().length).writeBytes(e.data());
                }
            }
            case RaftMessage.AppendResponse m -> {
                out.writeByte(APPEND_RESPONSE).writeLong(m.term());
                out.writeBoolean(m.success()).writeLong(m.index()).writeLong(m.hintIndex()).writeLong(m.hintTerm());
            }
            case RaftMessage.Heartbeat m -> {
                out.writeByte(HEARTBEAT).writeLong(m.term());
                out.writeLong(m.commit()).writeLong(m.readRound());
            }
            case RaftMessage.HeartbeatResponse m -> {
                out.writeByte(HEARTBEAT_RESPONSE).writeLong(m.term());
                out.writeLong(m.readRound());
            }
            case RaftMessage.InstallSnapshot m -> {
                out.writeByte(INSTALL_SNAPSHOT).writeLong(m.term());
                SnapshotMetadata md = m.snapshot().metadata();
                out.writeLong(md.index()).writeLong(md.term());
                writeNodes(out, md.membership().voters());
                writeNodes(out, md.membership().learners());
                out.writeInt(m.snapshot().data().length).writeBytes(m.snapshot().data());
            }
            case RaftMessage.TimeoutNow m -> out.writeByte(TIMEOUT_NOW).writeLong(m.term()).writeLong(m.commit());
        }
    }

    @Override
    public RaftMessage decode(long groupId, String fromNodeId, String toNodeId, ByteBuf in) {
        GroupId g = GroupId.of(groupId);
        NodeId from = NodeId.of(fromNodeId);
        NodeId to = NodeId.of(toNodeId);
        byte tag = in.readByte();
        long term = in.readLong();
        return switch (tag) {
            case VOTE_REQUEST -> new RaftMessage.VoteRequest(g, from, to, term, in.readLong(), in.readLong(),
                    in.readBoolean(), in.readBoolean());
            case VOTE_RESPONSE -> new RaftMessage.VoteResponse(g, from, to, term, in.readBoolean(), in.readBoolean(),
                    in.readLong(), in.readLong());
            case APPEND_REQUEST -> {
                long prevIndex = in.readLong();
                long prevTerm = in.readLong();
                long commit = in.readLong();
                int count = in.readInt();
                // Each entry takes at least 21 bytes, so a count beyond that is a corrupt or hostile frame.
                if (count < 0 || count > ENTRIES_PER_APPEND_MAX || (long) count * 21 > in.readableBytes()) {
                    throw new IllegalArgumentException("bad entry count " + count + " in append");
                }
                List<Entry> entries = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    long eTerm = in.readLong();
                    long eIndex = in.readLong();
                    EntryType type = EntryType.fromCode(in.readUnsignedByte());
                    entries.add(new Entry(eTerm, eIndex, type, readBytes(in)));
                }
                yield new RaftMessage.AppendRequest(g, from, to, term, prevIndex, prevTerm, entries, commit);
            }
            case APPEND_RESPONSE -> new RaftMessage.AppendResponse(g, from, to, term, in.readBoolean(), in.readLong(),
                    in.readLong(), in.readLong());
            case HEARTBEAT -> new RaftMessage.Heartbeat(g, from, to, term, in.readLong(), in.readLong());
            case HEARTBEAT_RESPONSE -> new RaftMessage.HeartbeatResponse(g, from, to, term, in.readLong());
            case INSTALL_SNAPSHOT -> {
                long index = in.readLong();
                long sTerm = in.readLong();
                Set<NodeId> voters = readNodes(in);
                Set<NodeId> learners = readNodes(in);
                byte[] data = readBytes(in);
                yield new RaftMessage.InstallSnapshot(g, from, to, term,
                        new Snapshot(new SnapshotMetadata(index, sTerm, new Membership(voters, learners)), data));
            }
            case TIMEOUT_NOW -> new RaftMessage.TimeoutNow(g, from, to, term, in.readLong());
            default -> throw new IllegalArgumentException("unknown raft message tag " + tag);
        };
    }

    private static byte[] readBytes(ByteBuf in) {
        int len = in.readInt();
        if (len < 0 || len > in.readableBytes()) {
            throw new IllegalArgumentException("bad byte-array length " + len + " (" + in.readableBytes() + " left)");
        }
        byte[] b = new byte[len];
        in.readBytes(b);
        return b;
    }

    private static void writeNodes(ByteBuf out, Set<NodeId> nodes) {
        out.writeShort(nodes.size());
        for (NodeId n : nodes) Frames.writeString(out, n.value());
    }

    private static Set<NodeId> readNodes(ByteBuf in) {
        int count = in.readUnsignedShort();
        if (count > MEMBERS_MAX) throw new IllegalArgumentException("bad member count " + count);
        Set<NodeId> nodes = new TreeSet<>();
        for (int i = 0; i < count; i++) nodes.add(NodeId.of(Frames.readString(in)));
        return nodes;
    }
}
