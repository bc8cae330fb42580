package io.cairn.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FramesTest {
    private final UnpooledByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;

    @Test
    void messageFramesSurviveArbitrarySplitsOfTheStream() {
        ByteBuf a = Frames.message(alloc, 7L, "hello".getBytes(StandardCharsets.UTF_8), new BytesCodec());
        ByteBuf b = Frames.message(alloc, -3L, new byte[0], new BytesCodec());
        ByteBuf stream = Unpooled.wrappedBuffer(a, b);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        // Feed the stream one byte at a time: the decoder must reassemble frames across reads.
        while (stream.isReadable()) {
            ch.writeInbound(stream.readRetainedSlice(1));
        }
        ByteBuf f1 = ch.readInbound();
        ByteBuf f2 = ch.readInbound();
        assertThat(f1.readByte()).isEqualTo(Frames.MESSAGE);
        assertThat(f1.readLong()).isEqualTo(7L);
        assertThat(new String(new BytesCodec().decode(7L, "n1", "n2", f1), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(f2.readByte()).isEqualTo(Frames.MESSAGE);
        assertThat(f2.readLong()).isEqualTo(-3L);
        assertThat(new BytesCodec().decode(-3L, "n1", "n2", f2)).isEmpty();
        assertThat((Object) ch.readInbound()).isNull();
        f1.release();
        f2.release();
        stream.release();
    }

    @Test
    void aFlippedBitIsRejectedNotDelivered() {
        ByteBuf frame = Frames.message(alloc, 1L, new byte[] {1, 2, 3}, new BytesCodec());
        int last = frame.writerIndex() - 1;
        frame.setByte(last, frame.getByte(last) ^ 0x10);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        assertThatThrownBy(() -> ch.writeInbound(frame))
                .isInstanceOf(DecoderException.class)
                .hasMessageContaining("checksum mismatch");
        assertThat((Object) ch.readInbound()).isNull();
    }

    @Test
    void anAbsurdLengthIsRejectedBeforeBuffering() {
        ByteBuf junk = Unpooled.buffer().writeInt(Frames.FRAME_BYTES_MAX + 1).writeInt(0);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        assertThatThrownBy(() -> ch.writeInbound(junk)).hasMessageContaining("outside");
    }

    @Test
    void anOversizedMessageIsRefusedAtSend() {
        byte[] huge = new byte[Frames.FRAME_BYTES_MAX];
        assertThatThrownBy(() -> Frames.message(alloc, 1L, huge, new BytesCodec()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceeds FRAME_BYTES_MAX");
    }

    @Test
    void helloRoundTrips() {
        ByteBuf frame = Frames.hello(alloc, "c1", "n1", "n2");
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(frame);
        ByteBuf f = ch.readInbound();
        assertThat(f.readByte()).isEqualTo(Frames.HELLO);
        assertThat(Frames.Hello.read(f)).isEqualTo(new Frames.Hello(Frames.MAGIC, Frames.PROTOCOL_VERSION, "c1", "n1", "n2"));
        f.release();
    }
}
