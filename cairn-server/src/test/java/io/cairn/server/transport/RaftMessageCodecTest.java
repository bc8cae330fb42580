package io.cairn.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.core.GroupId;
import io.cairn.core.NodeId;
import io.cairn.core.raft.Entry;
import io.cairn.core.raft.EntryType;
import io.cairn.core.raft.Membership;
import io.cairn.core.raft.RaftMessage;
import io.cairn.core.raft.Snapshot;
import io.cairn.core.raft.SnapshotMetadata;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class RaftMessageCodecTest {
    private final RaftMessageCodec codec = new RaftMessageCodec();

    @Property(tries = 2000)
    void everyMessageSurvivesAFullFrameRoundTrip(@ForAll("messages") RaftMessage message) {
        ByteBuf frame = Frames.message(UnpooledByteBufAllocator.DEFAULT, message.groupId().value(), message, codec);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(frame);
        ByteBuf body = ch.readInbound();
        try {
            assertThat(body.readByte()).isEqualTo(Frames.MESSAGE);
            long group = body.readLong();
            RaftMessage back = codec.decode(group, message.from().value(), message.to().value(), body);
            assertThat(body.isReadable()).as("codec consumed the whole body").isFalse();
            assertThat(back).isEqualTo(message);
        } finally {
            body.release();
        }
    }

    @Property(tries = 500)
    void aTruncatedBodyIsRefusedNeverHalfDecoded(@ForAll("messages") RaftMessage message) {
        ByteBuf buf = Unpooled.buffer();
        codec.encode(message, buf);
        int cut = buf.readableBytes() / 2;
        ByteBuf half = buf.slice(0, cut);
        assertThatThrownBy(() -> codec.decode(message.groupId().value(), "a", "b", half))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void anUnknownTagIsRefused() {
        ByteBuf buf = Unpooled.buffer().writeByte(99).writeLong(1);
        assertThatThrownBy(() -> codec.decode(1, "a", "b", buf)).hasMessageContaining("unknown raft message tag 99");
    }

    @Provide
    Arbitrary<RaftMessage> messages() {
        Arbitrary<GroupId> group = Arbitraries.longs().between(0, Long.MAX_VALUE).map(GroupId::of);
        Arbitrary<NodeId> node = Arbitraries.strings().withCharRange('a', 'z').numeric().ofMinLength(1).ofMaxLength(12).map(NodeId::of);
        Arbitrary<Long> term = Arbitraries.longs().between(0, Long.MAX_VALUE);
        Arbitrary<Long> index = Arbitraries.longs().between(0, Long.MAX_VALUE);
        Arbitrary<Boolean> flag = Arbitraries.of(true, false);
        Arbitrary<Entry> entry = Combinators.combine(
                Arbitraries.longs().between(1, Long.MAX_VALUE), Arbitraries.longs().between(1, Long.MAX_VALUE),
                Arbitraries.of(EntryType.class), Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
                .as(Entry::new);
        Arbitrary<List<Entry>> entries = entry.list().ofMaxSize(8);
        Arbitrary<Set<NodeId>> nodes = node.set().ofMaxSize(7);
        Arbitrary<Snapshot> snapshot = Combinators.combine(
                Arbitraries.longs().between(1, Long.MAX_VALUE), Arbitraries.longs().between(1, Long.MAX_VALUE),
                nodes, nodes, Arbitraries.bytes().array(byte[].class).ofMaxSize(2000))
                .as((i, t, v, l, d) -> {
                    Set<NodeId> learners = new java.util.TreeSet<>(l);
                    learners.removeAll(v);
                    return new Snapshot(new SnapshotMetadata(i, t, new Membership(v, learners)), d);
                });
        return Arbitraries.oneOf(
                Combinators.combine(group, node, node, term, index, term, flag, flag).as(RaftMessage.VoteRequest::new),
                Combinators.combine(group, node, node, term, flag, flag, index, term).as(RaftMessage.VoteResponse::new),
                Combinators.combine(group, node, node, term, index, term, entries, index)
                        .as(RaftMessage.AppendRequest::new),
                Combinators.combine(group, node, node, term, flag, index, index, term)
                        .as(RaftMessage.AppendResponse::new),
                Combinators.combine(group, node, node, term, index, index).as(RaftMessage.Heartbeat::new),
                Combinators.combine(group, node, node, term, index).as(RaftMessage.HeartbeatResponse::new),
                Combinators.combine(group, node, node, term, snapshot).as(RaftMessage.InstallSnapshot::new),
                Combinators.combine(group, node, node, term, index).as(RaftMessage.TimeoutNow::new));
    }
}
