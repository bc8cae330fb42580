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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    @Test
    void aBacklogBuiltDuringWarmUpIsSkippedAtTheWindowStartAndCounted() throws Exception {
        // One connection at 100 req/s; the server holds the very first request 400 ms, past the
        // 300 ms warm-up. Slots 1..29 (intended 10..290 ms) are then unsent warm-up: they are
        // skipped and counted, and the window's requests do not queue behind them.
        AtomicBoolean first = new AtomicBoolean(true);
        try (TestServer s = new TestServer((ctx, req) -> {
            if (first.getAndSet(false)) {
                ctx.executor().schedule(() -> ctx.writeAndFlush(response(HttpResponseStatus.OK)), 400, TimeUnit.MILLISECONDS);
            } else {
                ctx.writeAndFlush(response(HttpResponseStatus.OK));
            }
        })) {
            LoadSpec spec = new LoadSpec(Workloads.noop(addr(s.port()), 1, 64), 100, Duration.ofMillis(300),
                    Duration.ofMillis(500), Duration.ofSeconds(2), 1);
            LoadResult r = HttpLoadGenerator.run(spec);
            KindResult k = r.kind("noop");
            assertThat(k.warmupSkipped()).isEqualTo(29);
            assertThat(k.failedTotal()).isZero();
            assertThat(k.okRequests()).isPositive();
            // The held request was sent in warm-up: on the timeline, not in the window's figures.
            assertThat(k.timeline()).isNotNull();
            assertThat(k.timeline().answered(0) + k.okRequests()).isLessThanOrEqualTo(k.timeline().intended(0) + 80);
        }
    }

    @Test
    void aServerStallShowsAsServiceTimeNotAsLoadGeneratorDelay() throws Exception {
        // The server holds one request in the window for 300 ms. That time must appear as service
        // time of that request (sent → answered), and the requests queued behind it on the same
        // connection are late because of the server, which the delay split must not blame on the
        // load generator: its delay is measured past the previous answer.
        AtomicInteger seen = new AtomicInteger();
        try (TestServer s = new TestServer((ctx, req) -> {
            if (seen.incrementAndGet() == 40) {
                ctx.executor().schedule(() -> ctx.writeAndFlush(response(HttpResponseStatus.OK)), 300, TimeUnit.MILLISECONDS);
            } else {
                ctx.writeAndFlush(response(HttpResponseStatus.OK));
            }
        })) {
            LoadSpec spec = new LoadSpec(Workloads.noop(addr(s.port()), 1, 64), 100, Duration.ofMillis(200),
                    Duration.ofMillis(800), Duration.ofSeconds(2), 1);
            KindResult k = HttpLoadGenerator.run(spec).kind("noop");
            assertThat(k.serviceUs().getMaxValue()).isGreaterThanOrEqualTo(300_000);
            assertThat(k.latencyUs().getMaxValue()).isGreaterThanOrEqualTo(300_000);
            // Lower bound only: the ~29 requests behind the stall each waited for it, which is the
            // server's time; the generator's own delay is whatever scheduling noise remains.
            assertThat(k.latencyUs().getCountBetweenValues(100_000, Long.MAX_VALUE / 2)).isGreaterThan(10);
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
