package io.cairn.bench.jmh;

import io.cairn.bench.load.Requests;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * HTTP request bytes to a produce command, as the node does it: Netty's {@code HttpServerCodec}
 * with the node's line and header limits, body aggregation, query decoding, and for NDJSON the
 * node's own {@code NdjsonParser} turning 1,000 lines into records; each operation ends with an
 * empty 200 written back (the codec needs every request answered), a small part of the cost. The parser is package-private
 * in {@code io.cairn.server.http}, so it is reached through a method handle rather than a copy,
 * so the benchmark measures the code the node runs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class HttpProduceParseBench {
    /** The node's limits (HttpServer.REQUEST_LINE_BYTES_MAX, HEADER_BYTES_MAX, default body bound). */
    static final int LINE_BYTES_MAX = 16 * 1024;
    static final int HEADER_BYTES_MAX = 16 * 1024;
    static final int BODY_BYTES_MAX = 8 * 1024 * 1024;

    private EmbeddedChannel channel;
    private ByteBuf single;
    private ByteBuf batch;
    private MethodHandle parse;
    private Object parser;

    @Setup
    public void setUp() throws ReflectiveOperationException {
        channel = new EmbeddedChannel(new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(LINE_BYTES_MAX).setMaxHeaderSize(HEADER_BYTES_MAX)),
                new HttpObjectAggregator(BODY_BYTES_MAX));
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", 1109);
        single = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(Requests.encode("POST", a,
                "/broker/topics/bench/produce?partition=0&acks=leader", "application/octet-stream",
                Requests.value(64, 1))));
        batch = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(Requests.encode("POST", a,
                "/broker/topics/bench/produce-ndjson?partition=0", "application/x-ndjson", Requests.ndjson(1000, 64))));
        Class<?> c = Class.forName("io.cairn.server.http.NdjsonParser");
        Constructor<?> ctor = c.getDeclaredConstructor(int.class, int.class, int.class);
        ctor.setAccessible(true);
        parser = ctor.newInstance(1024 * 1024, 100_000, 256);
        Method m = c.getDeclaredMethod("parse", byte[].class, boolean.class);
        m.setAccessible(true);
        parse = MethodHandles.lookup().unreflect(m);
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    private FullHttpRequest decode(ByteBuf request) {
        channel.writeInbound(request.duplicate());
        return channel.readInbound();
    }

    /**
     * Answers the request with an empty 200: the server codec keeps one slot per request until
     * its response goes out (like the node, which always answers), so the channel stays reusable.
     */
    private void answer() {
        DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        channel.writeOutbound(res);
        Object out;
        while ((out = channel.readOutbound()) != null) {
            ReferenceCountUtil.release(out);
        }
    }

    /** A single 64 B record: bytes → request → partition from the query → value bytes. */
    @Benchmark
    public int singleRecord() {
        FullHttpRequest req = decode(single);
        try {
            QueryStringDecoder qs = new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8, true, 64);
            int partition = Integer.parseInt(qs.parameters().get("partition").get(0));
            byte[] value = ByteBufUtil.getBytes(req.content());
            return partition + value.length + qs.rawPath().length();
        } finally {
            req.release();
            answer();
        }
    }

    /** 1,000 NDJSON lines of 64 B values: bytes → request → the node's parser → 1,000 records. */
    @Benchmark
    public int ndjsonBatch1000() throws Throwable {
        FullHttpRequest req = decode(batch);
        try {
            QueryStringDecoder qs = new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8, true, 64);
            byte[] body = ByteBufUtil.getBytes(req.content());
            List<?> records = (List<?>) parse.invoke(parser, body, false);
            return records.size() + qs.parameters().size();
        } finally {
            req.release();
            answer();
        }
    }
}
