package io.cairn.server.replica;

import io.cairn.core.NodeId;
import io.cairn.core.raft.HardState;
import io.cairn.storage.AtomicStateFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Raft's term, vote and commit index for one replica, in an {@link AtomicStateFile}
 * ({@code raft-state} in the partition directory): when {@link #write} returns, the new state
 * survives a crash.
 *
 * <p>Layout: version u8 (=1), term i64, commit i64, vote length u16 (0 = none), vote UTF-8.
 */
final class HardStateFile {
    static final String NAME = "raft-state";
    private static final int VERSION = 1;

    private final AtomicStateFile file;

    HardStateFile(Path partitionDir) {
        this.file = new AtomicStateFile(partitionDir.resolve(NAME));
    }

    Optional<HardState> read() throws IOException {
        Optional<byte[]> content = file.read();
        if (content.isEmpty()) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(content.get());
        try {
            int version = b.get() & 0xFF;
            if (version != VERSION) {
                throw new IOException(file.path() + ": unsupported raft state version " + version);
            }
            long term = b.getLong();
            long commit = b.getLong();
            int voteLength = b.getShort() & 0xFFFF;
            NodeId vote = null;
            if (voteLength > 0) {
                byte[] v = new byte[voteLength];
                b.get(v);
                vote = NodeId.of(new String(v, StandardCharsets.UTF_8));
            }
            if (b.hasRemaining()) {
                throw new IOException(file.path() + ": " + b.remaining() + " trailing bytes in raft state");
            }
            return Optional.of(new HardState(term, vote, commit));
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new IOException(file.path() + ": malformed raft state: " + e.getMessage(), e);
        }
    }

    void write(HardState state) throws IOException {
        byte[] vote = state.votedFor() == null ? new byte[0] : state.votedFor().value().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 8 + 2 + vote.length);
        b.put((byte) VERSION).putLong(state.term()).putLong(state.commit()).putShort((short) vote.length).put(vote);
        file.write(b.array());
    }
}
