package io.cairn.server.transport;

import io.cairn.core.raft.RaftMessage;
import io.cairn.storage.FrameChunk;

import java.util.Objects;

/**
 * What travels between nodes: a Raft message, and for an append whose entries the leader read
 * from its segment log, those entries' storage frames exactly as they are on disk. The follower
 * then appends the frames as they are (one write, no re-encoding) and hands the Raft core the
 * same entries decoded from them.
 *
 * @param raft   the message
 * @param frames null, or (only with an {@link RaftMessage.AppendRequest}) one frame per entry,
 *               in order: frame {@code k} decodes to entry {@code k}
 */
public record PeerMessage(RaftMessage raft, FrameChunk frames) {
    public PeerMessage {
        Objects.requireNonNull(raft, "raft");
        if (frames != null) {
            if (!(raft instanceof RaftMessage.AppendRequest a)) {
                throw new IllegalArgumentException("frames travel only with an append, not " + raft.getClass().getSimpleName());
            }
            if (a.entries().size() != frames.size()) {
                throw new IllegalArgumentException("an append of " + a.entries().size() + " entries with "
                        + frames.size() + " frames");
            }
        }
    }

    public static PeerMessage of(RaftMessage raft) {
        return new PeerMessage(raft, null);
    }
}
