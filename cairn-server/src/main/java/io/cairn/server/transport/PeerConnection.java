package io.cairn.server.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's outbound connection to one peer: a bounded queue of encoded frames, one TCP
 * connection, a handshake, batching and reconnect with backoff.
 *
 * <p>Batching: a send only enqueues and, if none is pending, schedules one flush task on the
 * connection's event loop. That task writes everything queued (as far as the socket is writable)
 * and flushes once, so heartbeats and appends of all groups sent in the same event-loop round
 * leave in one syscall.
 *
 * <p>Threading: {@link #enqueue} is called from any thread; everything else runs on the
 * connection's event loop. The queue and the fields marked "guarded by lock" are shared.
 */
final class PeerConnection {
    private static final Logger log = LoggerFactory.getLogger(PeerConnection.class);

    private final PeerAddress address;
    private final TransportConfig config;
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;

    private final Object lock = new Object();
    /** Guarded by lock. Bounded by config.queueMessagesMax and config.queueBytesMax. */
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private long queuedBytes; // guarded by lock
    private Channel channel; // guarded by lock: the connection that completed its handshake, or null
    private boolean flushScheduled; // guarded by lock
    private boolean closed; // guarded by lock

    private volatile long sent;
    private volatile long dropped;
    private volatile long flushes;
    private volatile long connects;
    private volatile String lastError;
    private long backoffMs; // event loop only

    PeerConnection(PeerAddress address, TransportConfig config, EventLoopGroup group,
                   Class<? extends SocketChannel> channelClass) {
        this.address = address;
        this.config = config;
        this.group = group;
        this.channelClass = channelClass;
        this.backoffMs = config.reconnectBackoffMinMs();
    }

    PeerAddress address() {
        return address;
    }

    void start() {
        group.next().execute(this::connect);
    }

    /** Queues one encoded frame; takes ownership of {@code frame}. Never blocks. */
    void enqueue(ByteBuf frame) {
        Channel scheduleOn = null;
        synchronized (lock) {
            if (closed) {
                frame.release();
                dropped++;
                return;
            }
            queue.addLast(frame);
            queuedBytes += frame.readableBytes();
            // Raft tolerates lost messages (it retries appends and heartbeats), so under a slow or
            // absent peer the oldest message goes first: the newest carries the freshest state.
            while (queue.size() > config.queueMessagesMax() || queuedBytes > config.queueBytesMax()) {
                ByteBuf old = queue.pollFirst();
                queuedBytes -= old.readableBytes();
                old.release();
                dropped++;
            }
            if (channel != null && !flushScheduled) {
                flushScheduled = true;
                scheduleOn = channel;
            }
        }
        if (scheduleOn != null) {
            Channel ch = scheduleOn;
            ch.eventLoop().execute(() -> flush(ch));
        }
    }

    /** Writes what is queued, as far as the socket is writable, then flushes once. Event loop only. */
    private void flush(Channel ch) {
        ByteBuf[] batch;
        int n = 0;
        synchronized (lock) {
            flushScheduled = false;
            if (channel != ch || queue.isEmpty()) {
                return;
            }
            long budget = ch.bytesBeforeUnwritable();
            batch = new ByteBuf[queue.size()];
            // Bounded by the queue size; stops early at the socket's write-buffer budget so a slow
            // peer leaves frames in the bounded queue (where drop-oldest applies), not in Netty's.
            while (!queue.isEmpty() && (n == 0 || budget > 0)) {
                ByteBuf buf = queue.pollFirst();
                queuedBytes -= buf.readableBytes();
                budget -= buf.readableBytes();
                batch[n++] = buf;
            }
        }
        // Counted before the flush: once flushed, the peer may read the frames before this thread
        // runs another line, and a reader of the stats must never see data delivered but not sent.
        sent += n;
        flushes++;
        for (int i = 0; i < n; i++) {
            ch.write(batch[i], ch.voidPromise());
        }
        ch.flush();
    }

    private void connect() {
        synchronized (lock) {
            if (closed) return;
        }
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(channelClass)
                .option(io.netty.channel.ChannelOption.TCP_NODELAY, true)
                .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(config.handshakeTimeoutMs(), 10_000))
                .option(io.netty.channel.ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new io.netty.channel.WriteBufferWaterMark(1 << 20, 4 << 20))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(), new ClientHandler());
                    }
                });
        ChannelFuture f = b.connect(address.host(), address.port());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                lastError = "connect to " + address + " failed: " + done.cause().getMessage();
                scheduleReconnect();
                return;
            }
            Channel ch = f.channel();
            ch.writeAndFlush(Frames.hello(ch.alloc(), config.clusterId(), config.nodeId(), address.nodeId()));
            ch.eventLoop().schedule(() -> {
                boolean handshaken;
                synchronized (lock) {
                    handshaken = channel == ch;
                }
                if (!handshaken && ch.isActive()) {
                    lastError = "no handshake answer from " + address + " within " + config.handshakeTimeoutMs() + " ms";
                    ch.close();
                }
            }, config.handshakeTimeoutMs(), TimeUnit.MILLISECONDS);
        });
    }

    private void scheduleReconnect() {
        synchronized (lock) {
            if (closed) return;
        }
        long delay = backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 4 + 1);
        backoffMs = Math.min(backoffMs * 2, config.reconnectBackoffMaxMs());
        group.next().schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    void close() {
        Channel ch;
        synchronized (lock) {
            closed = true;
            ch = channel;
            channel = null;
            for (ByteBuf buf : queue) {
                buf.release();
            }
            queue.clear();
            queuedBytes = 0;
        }
        if (ch != null) {
            ch.close();
        }
    }

    PeerStats stats() {
        synchronized (lock) {
            return new PeerStats(address.nodeId(), channel != null && channel.isActive(), queue.size(),
                    sent, dropped, flushes, connects, lastError);
        }
    }

    /** Handles the answers on an outbound connection: HELLO_ACK or REJECT, nothing else. */
    private final class ClientHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                byte type = frame.readByte();
                switch (type) {
                    case Frames.HELLO_ACK -> onAck(ctx.channel(), Frames.readString(frame));
                    case Frames.REJECT -> {
                        lastError = "peer " + address + " refused the connection: " + Frames.readString(frame);
                        log.warn(lastError);
                        ctx.close();
                    }
                    default -> {
                        lastError = "peer " + address + " sent unexpected frame type " + type + " on an outbound connection";
                        ctx.close();
                    }
                }
            } finally {
                frame.release();
            }
        }

        private void onAck(Channel ch, String peerId) {
            if (!peerId.equals(address.nodeId())) {
                lastError = "peer at " + address.host() + ":" + address.port() + " is node " + peerId
                        + ", expected " + address.nodeId();
                log.warn(lastError);
                ch.close();
                return;
            }
            boolean schedule;
            synchronized (lock) {
                if (closed) {
                    ch.close();
                    return;
                }
                channel = ch;
                schedule = !queue.isEmpty() && !flushScheduled;
                if (schedule) flushScheduled = true;
            }
            connects++;
            lastError = null;
            backoffMs = config.reconnectBackoffMinMs();
            if (log.isDebugEnabled()) log.debug("connected to peer {}", address);
            if (schedule) flush(ch);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                boolean schedule;
                synchronized (lock) {
                    schedule = channel == ctx.channel() && !flushScheduled && !queue.isEmpty();
                    if (schedule) flushScheduled = true;
                }
                if (schedule) flush(ctx.channel());
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            synchronized (lock) {
                if (channel == ctx.channel()) {
                    channel = null;
                    flushScheduled = false;
                }
            }
            if (lastError == null) {
                lastError = "connection to " + address + " closed";
            }
            scheduleReconnect();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            lastError = "connection to " + address + " failed: " + cause.getMessage();
            ctx.close();
        }
    }
}
