package io.cairn.bench.jmh;

import io.cairn.storage.LogEntry;
import io.cairn.storage.impl.FrameCodec;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Storage's frame encoding (header + payload copy + CRC32C) and the read-side CRC check, for an
 * entry holding one 64 B record, a 1,000-record batch, and a 1 MiB batch. Compare with
 * {@link Crc32cBench} for how much of it is the checksum itself.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class FrameCodecBench {
    @Param({"64", "70000", "1048576"})
    public int payloadBytes;

    private LogEntry entry;
    private ByteBuffer frame;

    @Setup
    public void setUp() {
        byte[] payload = new byte[payloadBytes];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        entry = LogEntry.of((byte) 1, 3, 1_000_000, 5_000_000, 1, 1_700_000_000_000L, 1_700_000_000_000L,
                payload);
        frame = FrameCodec.encode(entry);
    }

    @Benchmark
    public ByteBuffer encode() {
        return FrameCodec.encode(entry);
    }

    @Benchmark
    public boolean verifyCrc() {
        return FrameCodec.crcMatches(frame, 0, frame.limit());
    }

    @Benchmark
    public LogEntry decode() {
        return FrameCodec.decode(frame, 0, frame.limit());
    }
}
