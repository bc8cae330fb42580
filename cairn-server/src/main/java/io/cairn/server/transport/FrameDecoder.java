package io.cairn.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * Splits the byte stream into frames and verifies each frame's CRC32C. Emits the frame from
 * its type byte on (a retained slice), so handlers see {@code type, body}. A bad length or
 * checksum fails the pipeline with {@link CorruptedFrameException}; the handlers close the
 * connection, because after a corrupt length nothing later in the stream can be trusted.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // Bounded by the bytes available: every iteration consumes one whole frame or returns.
        while (in.readableBytes() >= Frames.PREFIX_BYTES) {
            int start = in.readerIndex();
            int length = in.getInt(start);
            if (length < 5 || length > Frames.FRAME_BYTES_MAX) {
                throw new CorruptedFrameException("peer frame length " + length + " outside 5.." + Frames.FRAME_BYTES_MAX);
            }
            if (in.readableBytes() < 4 + length) {
                return;
            }
            int expected = in.getInt(start + 4);
            int actual = Frames.crc(in, start + Frames.PREFIX_BYTES, length - 4);
            if (expected != actual) {
                throw new CorruptedFrameException(String.format(
                        "peer frame checksum mismatch: header %08x, computed %08x", expected, actual));
            }
            out.add(in.retainedSlice(start + Frames.PREFIX_BYTES, length - 4));
            in.skipBytes(4 + length);
        }
    }
}
