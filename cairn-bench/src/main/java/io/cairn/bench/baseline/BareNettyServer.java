package io.cairn.bench.baseline;

import io.cairn.bench.load.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The "bare Netty" ceiling: HTTP/1.1 keep-alive, the body read in full (aggregated, like a real
 * produce), then 200 {@code {"ok":true}}, touching nothing. Whatever the node does beyond this
 * (routing, JSON, the log, fsync) is what the gap to this baseline measures.
 *
 * <p>Run in its own JVM (see {@code main}) so it competes for CPU like a node does, not inside
 * the load generator's process.
 */
public final class BareNettyServer implements AutoCloseable {
    /** Same request-body bound as the node's default, so large bodies are refused alike. */
    static final int BODY_BYTES_MAX = 8 * 1024 * 1024;
    private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.US_ASCII);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel server;

    private BareNettyServer(EventLoopGroup boss, EventLoopGroup workers, Channel server) {
        this.boss = boss;
        this.workers = workers;
        this.server = server;
    }

    /** Starts on 127.0.0.1; port 0 picks a free port. */
    public static BareNettyServer start(int port, int ioThreads) throws InterruptedException {
        EventLoopGroup boss = Transport.group(1);
        EventLoopGroup workers = Transport.group(ioThreads);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(Transport.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(BODY_BYTES_MAX), new Noop());
                    }
                });
        Channel ch = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        return new BareNettyServer(boss, workers, ch);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static final class Noop extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            ByteBuf body = Unpooled.wrappedBuffer(OK);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, OK.length);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (keepAlive) {
                ctx.writeAndFlush(res);
            } else {
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** {@code java -cp cairn-bench.jar io.cairn.bench.baseline.BareNettyServer <port> [ioThreads]}; prints the port. */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        BareNettyServer s = start(port, threads);
        System.out.println("listening " + s.port() + " " + Transport.name());
        System.out.flush();
        // Exits when the parent closes our stdin (or dies), so a crashed harness leaves no server behind.
        while (System.in.read() != -1) {
            // Nothing to do: the input is only a lifeline.
        }
        s.close();
    }
}
