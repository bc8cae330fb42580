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

    M decode(ByteBuf in);
}
