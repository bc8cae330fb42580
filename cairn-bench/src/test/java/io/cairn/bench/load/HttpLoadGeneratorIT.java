package io.cairn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.bench.baseline.BareNettyServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** The load generator against real loopback servers: counts successes, errors and closes honestly. */
class HttpLoadGeneratorIT {
    private static LoadSpec spec(List<ConnectionPlan> plans, long rate) {
        return new LoadSpec(plans, rate, Duration.ofMillis(200), Duration.ofMillis(800), Duration.ofSeconds(2), 1);
    }

    @Test
    void closedLoopAgainstBareNettyRecordsOnlySuccesses() throws Exception {
        try (BareNettyServer s = BareNettyServer.start(0, 1)) {
            LoadResult r = HttpLoadGenerator.run(spec(Workloads.noop(addr(s.port()), 4, 64), 0));
            KindResult k = r.kind("noop");
            assertThat(k.okRequests()).isPositive();
            assertThat(k.latencyUs().getTotalCount()).isEqualTo(k.okRequests());
            assertThat(k.failureSummary()).isEqualTo("0");
        }
    }

    @Test
    void openLoopSendsOnScheduleNotAsFastAsPossible() throws Exception {
        try (BareNettyServer s = BareNettyServer.start(0, 1)) {
            // 100 req/s for 0.8 s over 2 connections: at most 80 requests start in the window
            // (plus one boundary slot per connection), however fast the server is.
            LoadResult r = HttpLoadGenerator.run(spec(Workloads.noop(addr(s.port()), 2, 64), 100));
            KindResult k = r.kind("noop");
            assertThat(k.okRequests()).isBetween(1L, 82L);
            assertThat(k.failedTotal()).isZero();
        }
    }

    @Test
    void non2xxAnswersAreCountedByStatusAndKeptOutOfTheLatencyHistogram() throws Exception {
        try (TestServer s = new TestServer((ctx, req) -> ctx.writeAndFlush(response(HttpResponseStatus.SERVICE_UNAVAILABLE)))) {
            LoadResult r = HttpLoadGenerator.run(spec(Workloads.noop(addr(s.port()), 2, 64), 0));
            KindResult k = r.kind("noop");
            assertThat(k.okRequests()).isZero();
            assertThat(k.latencyUs().getTotalCount()).isZero();
            assertThat(k.statusCounts()).containsKey(503);
            assertThat(k.statusCounts().get(503)).isPositive();
        }
    }

    @Test
    void aServerThatClosesWithoutAnsweringShowsAsClosedErrors() throws Exception {
        try (TestServer s = new TestServer((ctx, req) -> ctx.close())) {
            LoadResult r = HttpLoadGenerator.run(spec(Workloads.noop(addr(s.port()), 1, 64), 0));
            KindResult k = r.kind("noop");
            assertThat(k.okRequests()).isZero();
            assertThat(k.errorCounts()).containsKey("closed");
        }
    }

    @Test
    void aServerThatNeverAnswersLeavesUnfinishedRequestsInTheReport() throws Exception {
        try (TestServer s = new TestServer((ctx, req) -> { })) {
            LoadSpec spec = new LoadSpec(Workloads.noop(addr(s.port()), 3, 64), 0, Duration.ZERO,
                    Duration.ofMillis(300), Duration.ofMillis(200), 1);
            LoadResult r = HttpLoadGenerator.run(spec);
            assertThat(r.kind("noop").unfinished()).isEqualTo(3);
        }
    }

    @Test
    void anOverloadedOpenLoopRunReportsItsUnsentBacklog() throws Exception {
        // The server never answers: each connection sends one request and then waits. Every other
        // request the schedule intended in the window must show up as not sent, not vanish.
        try (TestServer s = new TestServer((ctx, req) -> { })) {
            LoadSpec spec = new LoadSpec(Workloads.noop(addr(s.port()), 2, 64), 100, Duration.ZERO,
                    Duration.ofMillis(500), Duration.ofMillis(100), 1);
            KindResult k = HttpLoadGenerator.run(spec).kind("noop");
            assertThat(k.okRequests()).isZero();
            assertThat(k.unfinished()).isEqualTo(2);
            assertThat(k.unfinished() + k.notSent()).isEqualTo(50);
        }
    }

    private static InetSocketAddress addr(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static DefaultFullHttpResponse response(HttpResponseStatus status) {
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    /** A loopback HTTP server whose answer to every request is the given behaviour. */
    private static final class TestServer implements AutoCloseable {
        private final EventLoopGroup group = Transport.group(1);
        private final Channel channel;

        TestServer(BiConsumer<ChannelHandlerContext, FullHttpRequest> behaviour) throws InterruptedException {
            channel = new ServerBootstrap().group(group).channel(Transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                    new SimpleChannelInboundHandler<FullHttpRequest>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                            behaviour.accept(ctx, req);
                                        }
                                    });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
