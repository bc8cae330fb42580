package io.cairn.server.transport;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.RaftMessage;
import io.cairn.storage.FrameChunk;
import io.cairn.storage.LogEntry;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link RaftMessageCodec} plus one more body, for appends that carry storage frames:
 * <pre>
 *   9 AppendFrames   term u64, prevLogIndex u64, prevLogTerm u64, commit u64, count u32,
 *                    length u32, then {@code length} bytes of storage frames (count of them)
 * </pre>
 * The frames are the leader's segment-file bytes (each with its own CRC32C, checked here before
 * anything is delivered), and each entry handed to Raft is decoded from its frame: type, term
 * and index from the frame header, data = the frame's payload (the replica's Raft log is its
 * segment log, so a frame's payload is the entry's data). Every other message is encoded by
 * {@link RaftMessageCodec} unchanged.
 */
public final class PeerMessageCodec implements MessageCodec<PeerMessage> {
    static final byte APPEND_FRAMES = 9;

    private final RaftMessageCodec raft = new RaftMessageCodec();

    @Override
    public void encode(PeerMessage message, ByteBuf out) {
        if (message.frames() == null) {
            raft.encode(message.raft(), out);
            return;
        }
        RaftMessage.AppendRequest m = (RaftMessage.AppendRequest) message.raft();
        ByteBuffer bytes = message.frames().bytes().duplicate();
        out.writeByte(APPEND_FRAMES).writeLong(m.term());
        out.writeLong(m.prevLogIndex()).writeLong(m.prevLogTerm()).writeLong(m.commit());
        out.writeInt(message.frames().size());
        out.writeInt(bytes.remaining());
        out.writeBytes(bytes);
    }

    @Override
    public PeerMessage decode(long groupId, String fromNodeId, String toNodeId, ByteBuf in) {
        if (in.getByte(in.readerIndex()) != APPEND_FRAMES) {
            return PeerMessage.of(raft.decode(groupId, fromNodeId, toNodeId, in));
        }
        in.readByte();
        long term = in.readLong();
        long prevIndex = in.readLong();
        long prevTerm = in.readLong();
        long commit = in.readLong();
        int count = in.readInt();
        int length = in.readInt();
        if (length < 0 || length > in.readableBytes()) {
            throw new IllegalArgumentException("bad frames length " + length + " (" + in.readableBytes() + " left)");
        }
        // Copied out of the network buffer, which is released once this message is delivered.
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        FrameChunk chunk = FrameChunk.parse(ByteBuffer.wrap(bytes), Frames.FRAME_BYTES_MAX);
        if (chunk.size() != count) {
            throw new IllegalArgumentException("append announces " + count + " frames but holds " + chunk.size());
        }
        List<Entry> entries = new ArrayList<>(count);
        for (LogEntry f : chunk.entries()) {
            if (entries.isEmpty() && f.raftIndex() != prevIndex + 1) {
                throw new IllegalArgumentException("first frame has index " + f.raftIndex() + " after prev " + prevIndex);
            }
            entries.add(new Entry(f.term(), f.raftIndex(), EntryType.fromCode(f.type()), f.payloadArray()));
        }
        RaftMessage.AppendRequest m = new RaftMessage.AppendRequest(GroupId.of(groupId), NodeId.of(fromNodeId),
                NodeId.of(toNodeId), term, prevIndex, prevTerm, entries, commit);
        return new PeerMessage(m, chunk);
    }
}
