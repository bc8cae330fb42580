package io.cairn.server.transport;

import io.netty.buffer.ByteBuf;

/** Length-prefixed byte arrays: the smallest real codec, for transport tests. */
final class BytesCodec implements MessageCodec<byte[]> {
    @Override
    public void encode(byte[] message, ByteBuf out) {
        out.writeInt(message.length);
        out.writeBytes(message);
    }

    @Override
    public byte[] decode(long groupId, String from, String to, ByteBuf in) {
        int len = in.readInt();
        if (len < 0 || len > in.readableBytes()) throw new IllegalArgumentException("bad length " + len);
        byte[] b = new byte[len];
        in.readBytes(b);
        return b;
    }
}
