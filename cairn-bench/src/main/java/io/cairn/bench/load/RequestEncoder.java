package io.cairn.bench.load;

import io.netty.buffer.ByteBuf;

/**
 * Encodes request number {@code sequence} of one connection as complete HTTP/1.1 bytes (request
 * line, headers, body). Called on the connection's event-loop thread only, so implementations
 * may keep per-connection state without locks. The returned buffer is released by the write.
 */
@FunctionalInterface
public interface RequestEncoder {
    ByteBuf encode(long sequence);
}
