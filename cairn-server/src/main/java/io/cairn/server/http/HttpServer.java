package io.cairn.server.http;

import io.cairn.server.metrics.NodeMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Netty HTTP/1.1 server: native epoll when the platform has it (NIO otherwise), keep-alive,
 * bodies aggregated up to the configured limit (413 with a JSON error beyond it, never a
 * truncated body), a bound on open connections, and idle connections closed.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    /** Request line bound; keys and idempotency keys travel in the query, so this is generous. */
    static final int REQUEST_LINE_BYTES_MAX = 16 * 1024;
    static final int HEADER_BYTES_MAX = 16 * 1024;
    /** A connection with no traffic either way for this long is closed (streams send heartbeats). */
    static final long IDLE_CONNECTION_SECONDS = 300;

    private final String host;
    private final int port;
    private final int ioThreads;
    private final int bodyBytesMax;
    private final int connectionsMax;
    private final Router router;
    private final Auth auth;
    private final NodeMetrics metrics;
    private final AtomicInteger connections = new AtomicInteger();
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;
    private String transport;

    HttpServer(String host, int port, int ioThreads, int bodyBytesMax, int connectionsMax, Router router, Auth auth,
               NodeMetrics metrics) {
        this.host = host;
        this.port = port;
        this.ioThreads = ioThreads;
        this.bodyBytesMax = bodyBytesMax;
        this.connectionsMax = connectionsMax;
        this.router = router;
        this.auth = auth;
        this.metrics = metrics;
        metrics.registerConnectionsGauge(connections::get);
    }

    /** Binds and returns the bound port. Throws the bind failure (e.g. port in use) unchanged. */
    int start() throws Exception {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        transport = epoll ? "epoll" : "nio";
        int threads = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
        boss = new MultiThreadIoEventLoopGroup(1, new NamedThreads("cairn-http-accept"), io);
        workers = new MultiThreadIoEventLoopGroup(threads, new NamedThreads("cairn-http"), io);
        var limiter = new ConnectionLimiter();
        try {
            serverChannel = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                            .addLast(limiter)
                            .addLast(new IdleStateHandler(0, 0, IDLE_CONNECTION_SECONDS, TimeUnit.SECONDS))
                            .addLast(new HttpServerCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(REQUEST_LINE_BYTES_MAX)
                                .setMaxHeaderSize(HEADER_BYTES_MAX)))
                            .addLast(new BoundedAggregator(bodyBytesMax, metrics))
                            .addLast(new RequestHandler(router, auth, metrics));
                    }
                })
                .bind(new InetSocketAddress(host, port)).sync().channel();
        } catch (Exception e) {
            close();
            throw e;
        }
        int bound = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        log.info("HTTP listening on {}:{} ({} transport, {} event-loop threads)", host, bound, transport, threads);
        return bound;
    }

    String transport() {
        return transport;
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Refuses connections over the bound by closing them at once; counts the others. */
    @ChannelHandler.Sharable
    private final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            if (connections.incrementAndGet() > connectionsMax) {
                log.warn("refusing a connection from {}: {} connections open (--max-connections)",
                    ctx.channel().remoteAddress(), connectionsMax);
                ctx.close();
                return;
            }
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            connections.decrementAndGet();
            super.channelInactive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }
    }

    /**
     * Aggregates bodies up to the limit and answers 413 with a JSON error beyond it, for both a
     * declared Content-Length and a chunked body that grows too large.
     */
    static final class BoundedAggregator extends HttpObjectAggregator {
        private final int bodyBytesMax;
        private final NodeMetrics metrics;

        BoundedAggregator(int bodyBytesMax, NodeMetrics metrics) {
            super(bodyBytesMax, true);
            this.bodyBytesMax = bodyBytesMax;
            this.metrics = metrics;
        }

        private FullHttpResponse tooLarge() {
            byte[] body = Response.JSON.createObjectNode().put("ok", false).put("error", "body_too_large")
                .put("message", "the request body exceeds " + bodyBytesMax + " bytes (--max-body-bytes); "
                    + "nothing was written").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            var res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                Unpooled.wrappedBuffer(body));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, Response.JSON_TYPE);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            metrics.recordRequest("oversized", "any", 413, 0);
            return res;
        }

        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength,
                                             io.netty.channel.ChannelPipeline pipeline) {
            Object r = super.newContinueResponse(start, maxContentLength, pipeline);
            if (r instanceof FullHttpResponse res && res.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
                res.release();
                return tooLarge(); // "Expect: 100-continue" with a declared length over the bound
            }
            return r;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse res = tooLarge();
            if (oversized instanceof FullHttpMessage || !HttpUtil.isKeepAlive(oversized)) {
                res.headers().set(HttpHeaderNames.CONNECTION, "close");
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            } else {
                // Keep the connection: the aggregator discards the rest of this body, so the client
                // reads the 413 instead of a reset while it is still sending.
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            }
        }
    }

    private static final class NamedThreads implements java.util.concurrent.ThreadFactory {
        private final String prefix;
        private final AtomicInteger n = new AtomicInteger();

        NamedThreads(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
