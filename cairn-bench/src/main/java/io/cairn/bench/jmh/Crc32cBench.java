package io.cairn.bench.jmh;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
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
 * The raw cost of CRC32C (JDK intrinsic) over frame-sized inputs: one 64 B record's frame, a
 * 1,000-record batch, and a 1 MiB frame. This is the floor under storage's frame encoding; the
 * frame benchmark shows what encoding adds on top.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class Crc32cBench {
    @Param({"100", "70000", "1048576"})
    public int bytes;

    private ByteBuffer heap;
    private ByteBuffer direct;

    @Setup
    public void setUp() {
        heap = ByteBuffer.allocate(bytes);
        direct = ByteBuffer.allocateDirect(bytes);
        for (int i = 0; i < bytes; i++) {
            heap.put(i, (byte) (i * 31));
            direct.put(i, (byte) (i * 31));
        }
    }

    @Benchmark
    public long heapBuffer() {
        CRC32C c = new CRC32C();
        c.update(heap.duplicate());
        return c.getValue();
    }

    @Benchmark
    public long directBuffer() {
        CRC32C c = new CRC32C();
        c.update(direct.duplicate());
        return c.getValue();
    }
}
