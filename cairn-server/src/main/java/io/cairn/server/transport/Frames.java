package io.cairn.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The peer wire format. Every frame, big-endian:
 *
 * <pre>
 *   u32 length     bytes after this field (checksum + type + body)
 *   u32 crc32c     CRC32C of type + body
 *   u8  type       HELLO | HELLO_ACK | REJECT | MESSAGE
 *   ... body
 * </pre>
 *
 * Bodies: HELLO = u32 magic, u16 version, str clusterId, str senderNodeId, str expectedNodeId;
 * HELLO_ACK = str nodeId; REJECT = str reason; MESSAGE = u64 groupId, codec bytes.
 * {@code str} is u16 byte length + UTF-8.
 *
 * <p>TCP already checksums segments, but its 16-bit sum misses real corruption from bad NICs and
 * middleboxes; a Raft append carrying a flipped bit would be fsynced as a committed record, so
 * every frame carries its own CRC32C and a mismatch closes the connection.
 */
public final class Frames {
    private Frames() {}

    public static final byte HELLO = 1;
    public static final byte HELLO_ACK = 2;
    public static final byte REJECT = 3;
    public static final byte MESSAGE = 4;

    /** "CRN1": rejects a connection from something that is not a Cairn peer. */
    public static final int MAGIC = 0x43524E31;
    public static final short PROTOCOL_VERSION = 1;

    /** Length + checksum fields in front of the checksummed part. */
    public static final int PREFIX_BYTES = 8;

    /**
     * Largest frame accepted or sent (after the length field). Raft appends are bounded well
     * below this by the replica's batch bound; a larger frame means a bug or a foreign speaker.
     */
    public static final int FRAME_BYTES_MAX = 32 * 1024 * 1024;

    /** Longest string field (node ids, cluster id, reject reasons) in bytes. */
    public static final int STRING_BYTES_MAX = 1024;

    /** Starts a frame: reserves the prefix and writes the type. Finish with {@link #finish}. */
    public static ByteBuf start(ByteBufAllocator alloc, byte type, int bodyBytesHint) {
        ByteBuf buf = alloc.buffer(PREFIX_BYTES + 1 + Math.max(bodyBytesHint, 16));
        buf.writeInt(0);
        buf.writeInt(0);
        buf.writeByte(type);
        return buf;
    }

    /** Fills in length and checksum of a frame started at reader index 0 of {@code buf}. */
    public static ByteBuf finish(ByteBuf buf) {
        int start = buf.readerIndex();
        int length = buf.writerIndex() - start - 4;
        if (length > FRAME_BYTES_MAX) {
            int bytes = length;
            buf.release();
            throw new IllegalArgumentException(
                    "peer frame of " + bytes + " bytes exceeds FRAME_BYTES_MAX=" + FRAME_BYTES_MAX);
        }
        buf.setInt(start, length);
        buf.setInt(start + 4, crc(buf, start + PREFIX_BYTES, buf.writerIndex() - start - PREFIX_BYTES));
        return buf;
    }

    public static int crc(ByteBuf buf, int index, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buf.nioBuffer(index, length));
        return (int) crc.getValue();
    }

    public static ByteBuf hello(ByteBufAllocator alloc, String clusterId, String sender, String expected) {
        ByteBuf buf = start(alloc, HELLO, 64);
        buf.writeInt(MAGIC);
        buf.writeShort(PROTOCOL_VERSION);
        writeString(buf, clusterId);
        writeString(buf, sender);
        writeString(buf, expected);
        return finish(buf);
    }

    public static ByteBuf helloAck(ByteBufAllocator alloc, String nodeId) {
        ByteBuf buf = start(alloc, HELLO_ACK, 16);
        writeString(buf, nodeId);
        return finish(buf);
    }

    public static ByteBuf reject(ByteBufAllocator alloc, String reason) {
        ByteBuf buf = start(alloc, REJECT, reason.length());
        writeString(buf, reason.length() > 500 ? reason.substring(0, 500) : reason);
        return finish(buf);
    }

    public static <M> ByteBuf message(ByteBufAllocator alloc, long groupId, M message, MessageCodec<M> codec) {
        ByteBuf buf = start(alloc, MESSAGE, 64);
        buf.writeLong(groupId);
        try {
            codec.encode(message, buf);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        return finish(buf);
    }

    public static void writeString(ByteBuf buf, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > STRING_BYTES_MAX) {
            throw new IllegalArgumentException("string field of " + bytes.length + " bytes exceeds " + STRING_BYTES_MAX);
        }
        buf.writeShort(bytes.length);
        buf.writeBytes(bytes);
    }

    public static String readString(ByteBuf buf) {
        int len = buf.readUnsignedShort();
        if (len > STRING_BYTES_MAX || len > buf.readableBytes()) {
            throw new IllegalArgumentException("bad string field length " + len);
        }
        String s = buf.toString(buf.readerIndex(), len, StandardCharsets.UTF_8);
        buf.skipBytes(len);
        return s;
    }

    /** A HELLO after decoding. */
    public record Hello(int magic, int version, String clusterId, String sender, String expected) {
        public static Hello read(ByteBuf body) {
            int magic = body.readInt();
            int version = body.readUnsignedShort();
            return new Hello(magic, version, readString(body), readString(body), readString(body));
        }
    }
}
