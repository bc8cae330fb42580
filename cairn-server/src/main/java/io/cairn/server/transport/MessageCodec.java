package io.cairn.server.transport;

import io.netty.buffer.ByteBuf;

/**
 * Turns one application message into bytes and back. The transport adds framing, the group id
 * and the checksum; a codec only writes and reads the message body.
 *
 * <p>{@link #decode} must consume exactly the bytes {@link #encode} wrote and throw
 * {@link IllegalArgumentException} (or any runtime exception) on malformed input; the transport
 * then closes the connection rather than deliver a half-understood message.
 */
public interface MessageCodec<M> {
    void encode(M message, ByteBuf out);

    /**
     * Reads one message. The frame already names the group, the handshake names the sender and the
     * receiving node is this one, so the codec need not repeat them in the body; a codec that
     * embeds them can use these to check that the sender is who the handshake says.
     */
    M decode(long groupId, String fromNodeId, String toNodeId, ByteBuf in);
}
