package io.cairn.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive connection of a load run, with exactly one request in flight at a time.
 *
 * <p>All state is touched only on the connection's event loop, so there are no locks. The
 * object outlives its channel: after a close it reconnects (bounded by {@link #RECONNECTS_MAX})
 * and an open-loop schedule simply continues, so the time lost reconnecting shows up as latency.
 */
final class LoadConnection {
    /** After this many reconnect attempts the connection gives up and its slot stops. */
    static final int RECONNECTS_MAX = 100;
    /** Pause before reconnecting, so a dead server is not hammered with SYNs. */
    static final long RECONNECT_DELAY_MS = 100;

    private final int index;
    private final ConnectionPlan plan;
    private final Bootstrap bootstrap;
    private final EventLoop loop;
    private final CountDownLatch stopped;
    /** Set by {@link #start}; until then the connection only connects. */
    private LoadWindow window;
    /** Null for closed-loop runs. */
    private OpenLoopSchedule schedule;
    private final KindResult result;

    private Channel channel;
    private boolean started;
    private boolean done;
    private boolean inFlight;
    private long sequence;
    private long startNanos;
    /** When the previous answer on this connection arrived; the next request cannot go out before. */
    private long prevAnsweredNanos;
    /** How much later than possible the request in flight went out (see {@link KindResult#loadgenDelayUs}). */
    private long loadgenDelayNanos;
    private LoadTimeline timeline;
    private int status;
    private int reconnects;

    LoadConnection(int index, ConnectionPlan plan, Bootstrap bootstrap, EventLoop loop, CountDownLatch stopped) {
        this.index = index;
        this.plan = plan;
        this.bootstrap = bootstrap;
        this.loop = loop;
        this.stopped = stopped;
        this.result = new KindResult(plan.kind());
    }

    /** Connects; completes the returned future once the channel is usable. */
    ChannelFuture connect() {
        ChannelFuture f = bootstrap.clone(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Handler());
            }
        }).connect(plan.target());
        f.addListener(cf -> {
            if (cf.isSuccess()) {
                channel = f.channel();
            }
        });
        return f;
    }

    /** Starts sending on the event loop; {@code schedule} is null for closed-loop runs. */
    void start(LoadWindow window, OpenLoopSchedule schedule, LoadTimeline timeline) {
        loop.execute(() -> {
            this.window = window;
            this.schedule = schedule;
            this.timeline = timeline;
            result.timeline(timeline);
            started = true;
            sendNext();
        });
    }

    /** Snapshot of this connection's counts; runs on the event loop via {@code loop.submit}. */
    KindResult snapshot() {
        KindResult copy = result.copy();
        boolean waiting = inFlight && !done;
        if (waiting) {
            copy.recordUnfinished(1);
        }
        if (schedule != null && window != null) {
            long firstInWindow = schedule.countBefore(window.startNanos());
            long lastExclusive = schedule.countBefore(window.endNanos());
            long handled = Math.max(sequence + (waiting ? 1 : 0), firstInWindow);
            copy.recordNotSent(Math.max(0, lastExclusive - handled));
        }
        return copy;
    }

    EventLoop loop() {
        return loop;
    }

    /** Stops sending and closes; in-flight requests are counted as unfinished by the snapshot. */
    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    int index() {
        return index;
    }

    private void sendNext() {
        if (done || inFlight) {
            return;
        }
        long now = System.nanoTime();
        long intended = schedule == null ? now : schedule.intendedNanos(sequence);
        if (schedule != null && intended < window.startNanos() && now >= window.startNanos()) {
            // Warm-up slots still unsent when the window opens are skipped, not sent late: sending
            // them would make the window's first requests wait behind a backlog built during
            // warm-up (JIT, cold caches), charging the warm-up to the window. They are counted.
            long first = schedule.countBefore(window.startNanos());
            result.recordWarmupSkipped(first - sequence);
            sequence = first;
            intended = schedule.intendedNanos(sequence);
        }
        if (intended >= window.endNanos()) {
            finish();
            return;
        }
        long seq = sequence;
        if (intended > now) {
            loop.schedule(() -> sendNow(seq), intended - now, TimeUnit.NANOSECONDS);
        } else {
            sendNow(seq);
        }
    }

    private void sendNow(long seq) {
        // A stale timer (from before a reconnect) must not send a later request early.
        if (done || inFlight || seq != sequence || channel == null || !channel.isActive()) {
            return;
        }
        inFlight = true;
        status = 0;
        startNanos = System.nanoTime();
        long intended = schedule == null ? startNanos : schedule.intendedNanos(seq);
        loadgenDelayNanos = loadgenDelayNanos(startNanos, intended, prevAnsweredNanos);
        channel.writeAndFlush(plan.encoder().encode(sequence)).addListener(f -> {
            if (!f.isSuccess()) {
                recordTransportError("write_failed");
                channel.close();
            }
        });
    }

    /**
     * How much later than it could have a request went out. It could not go before its intended
     * time, nor before the previous answer on its connection (one request in flight); any time
     * past both is the load generator's own: a timer that fired late, a busy or descheduled event
     * loop. Waiting behind a slow answer is not counted here: that wait is the server's.
     */
    static long loadgenDelayNanos(long sentNanos, long intendedNanos, long previousAnswerNanos) {
        return Math.max(0, sentNanos - Math.max(intendedNanos, previousAnswerNanos));
    }

    private void onResponse(int code) {
        status = code;
    }

    private void onComplete() {
        if (!inFlight) {
            // One request in flight per connection: an answer to nothing means the stream is out of step.
            result.recordError("unexpected_response");
            if (channel != null) {
                channel.close();
            }
            return;
        }
        long now = System.nanoTime();
        long intended = schedule == null ? startNanos : schedule.intendedNanos(sequence);
        prevAnsweredNanos = now;
        if (timeline != null) {
            timeline.record(intended, startNanos, now, loadgenDelayNanos);
        }
        if (window.measures(intended)) {
            result.recordTiming(now - startNanos, loadgenDelayNanos);
            if (status >= 200 && status < 300) {
                result.recordOk(now - intended, plan.recordsPerRequest(), now);
            } else {
                result.recordStatus(status);
            }
        }
        inFlight = false;
        sequence++;
        sendNext();
    }

    private void recordTransportError(String cause) {
        long intended = schedule == null ? startNanos : schedule.intendedNanos(sequence);
        if (window != null && window.measures(intended)) {
            result.recordError(cause);
        }
    }

    private void onClosed() {
        channel = null;
        if (inFlight) {
            recordTransportError("closed");
            inFlight = false;
            sequence++;
        }
        if (done) {
            return;
        }
        reconnectLater();
    }

    private void reconnectLater() {
        if (++reconnects > RECONNECTS_MAX) {
            result.recordError("gave_up_reconnecting");
            finish();
            return;
        }
        loop.schedule(() -> {
            if (done) {
                return;
            }
            connect().addListener(f -> {
                if (!f.isSuccess()) {
                    result.recordError("connect_failed");
                    reconnectLater();
                } else if (started) {
                    // The reconnect is what the next request waited for, not the load generator.
                    prevAnsweredNanos = System.nanoTime();
                    sendNext();
                }
            });
        }, RECONNECT_DELAY_MS, TimeUnit.MILLISECONDS);
    }

    private void finish() {
        if (!done) {
            done = true;
            stopped.countDown();
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final ResponseParser parser = new ResponseParser(code -> {
            onResponse(code);
            onComplete();
        });

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                parser.feed(in);
            } catch (ResponseParser.MalformedResponseException e) {
                recordTransportError("bad_response");
                ctx.close();
            } finally {
                in.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            onClosed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            recordTransportError("io_" + cause.getClass().getSimpleName());
            ctx.close();
        }
    }
}
