package io.cairn.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.RaftMessage;
import io.cairn.storage.FrameChunk;
import io.cairn.storage.Flusher;
import io.cairn.storage.LogConfig;
import io.cairn.storage.LogEntry;
import io.cairn.storage.SegmentLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appends that carry the leader's storage frames: what goes on the wire is what comes off it. */
class PeerMessageCodecTest {
    private final PeerMessageCodec codec = new PeerMessageCodec();

    @TempDir
    Path dir;

    /** Five entries of a real segment log, read back as one chunk of frames, and the append holding them. */
    private PeerMessage framedAppend() throws Exception {
        try (Flusher flusher = new Flusher("test"); SegmentLog log = SegmentLog.open(dir, LogConfig.defaults(), flusher)) {
            List<Entry> entries = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                byte[] data = ("entry " + i + " " + "x".repeat(i * 10)).getBytes(StandardCharsets.UTF_8);
                log.append(LogEntry.of((byte) EntryType.NOOP.code(), 3, i, log.nextOffset(), 0, 0, 0, data));
                entries.add(new Entry(3, i, EntryType.NOOP, data));
            }
            FrameChunk chunk = log.readFramesFromIndex(2, 4, 1 << 20);
            RaftMessage.AppendRequest m = new RaftMessage.AppendRequest(GroupId.of(7), NodeId.of("n1"), NodeId.of("n2"),
                    3, 1, 3, entries.subList(1, 5), 4);
            return new PeerMessage(m, chunk);
        }
    }

    @Test
    void aFramedAppendArrivesAsTheSameAppendWithTheSameFrameBytes() throws Exception {
        PeerMessage sent = framedAppend();
        ByteBuf frame = Frames.message(UnpooledByteBufAllocator.DEFAULT, 7, sent, codec);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(frame);
        ByteBuf body = ch.readInbound();
        try {
            assertThat(body.readByte()).isEqualTo(Frames.MESSAGE);
            PeerMessage back = codec.decode(body.readLong(), "n1", "n2", body);
            assertThat(body.isReadable()).isFalse();
            assertThat(back.raft()).isEqualTo(sent.raft());
            assertThat(back.frames().bytes()).isEqualTo(sent.frames().bytes());
            assertThat(back.frames().entries()).isEqualTo(sent.frames().entries());
        } finally {
            body.release();
        }
    }

    @Test
    void otherMessagesTravelAsRaftMessageCodecEncodesThem() {
        RaftMessage hb = new RaftMessage.Heartbeat(GroupId.of(7), NodeId.of("n1"), NodeId.of("n2"), 3, 4, 0);
        ByteBuf buf = Unpooled.buffer();
        codec.encode(PeerMessage.of(hb), buf);
        ByteBuf plain = Unpooled.buffer();
        new RaftMessageCodec().encode(hb, plain);
        assertThat(buf).isEqualTo(plain);
        assertThat(codec.decode(7, "n1", "n2", buf)).isEqualTo(PeerMessage.of(hb));
    }

    @Test
    void aDamagedFrameOrAWrongCountIsRefusedNotDelivered() throws Exception {
        PeerMessage sent = framedAppend();
        ByteBuf buf = Unpooled.buffer();
        codec.encode(sent, buf);
        ByteBuf flipped = buf.copy();
        int lastByte = flipped.writerIndex() - 1;
        flipped.setByte(lastByte, flipped.getByte(lastByte) ^ 1);
        assertThatThrownBy(() -> codec.decode(7, "n1", "n2", flipped))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CRC32C");
        ByteBuf miscounted = buf.copy();
        miscounted.setInt(1 + 8 * 4, 3); // count field after tag and four longs
        assertThatThrownBy(() -> codec.decode(7, "n1", "n2", miscounted))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("announces 3");
        assertThatThrownBy(() -> new PeerMessage(sent.raft(), sent.frames().sub(0, 2)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
