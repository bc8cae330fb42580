package io.cairn.server.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
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
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's peer transport: listens on the peer port for other nodes' connections and keeps one
 * outbound {@link PeerConnection} per known peer. Messages carry an opaque group id so every Raft
 * group of the node shares the same connections.
 *
 * <p>Delivery contract: best effort, in order per (sender, receiver) connection, possibly lost
 * (queue full, connection reset) and possibly duplicated never by the transport itself. Raft's
 * retries cover loss. {@link #send} never blocks and may be called from any thread.
 */
public final class PeerTransport<M> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerTransport.class);

    private final TransportConfig config;
    private final MessageCodec<M> codec;
    private final InboundHandler<M> handler;
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final Channel serverChannel;
    private final ChannelGroup inbound = new DefaultChannelGroup("cairn-peer-inbound", GlobalEventExecutor.INSTANCE);
    private final Map<String, PeerConnection> peers = new ConcurrentHashMap<>();
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    private final AtomicLong receivedMessages = new AtomicLong();
    private final AtomicLong droppedUnknownPeer = new AtomicLong();
    private final AtomicLong rejectedConnections = new AtomicLong();
    private final AtomicLong corruptFrames = new AtomicLong();
    private final AtomicLong handlerFailures = new AtomicLong();

    private PeerTransport(TransportConfig config, MessageCodec<M> codec, InboundHandler<M> handler) {
        this.config = config;
        this.codec = codec;
        this.handler = handler;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(),
                new DefaultThreadFactory("cairn-peer-" + config.nodeId(), true), io);
        this.channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap sb = new ServerBootstrap()
                .group(group)
                .channel(serverClass)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        inbound.add(ch);
                        ch.pipeline().addLast(new FrameDecoder(), new ServerHandler());
                    }
                });
        try {
            this.serverChannel = sb.bind(config.bindHost(), config.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            if (e instanceof BindException || e.getCause() instanceof BindException
                    || String.valueOf(e.getMessage()).contains("Address already in use")) {
                throw new IllegalStateException("peer port " + config.bindHost() + ":" + config.port()
                        + " is already in use", e);
            }
            throw new IllegalStateException("cannot listen on peer port " + config.bindHost() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
        log.info("peer transport of {} listening on {} ({})", config.nodeId(), serverChannel.localAddress(),
                epoll ? "epoll" : "nio");
    }

    /** Binds the peer port and returns a running transport with no peers yet. */
    public static <M> PeerTransport<M> start(TransportConfig config, MessageCodec<M> codec, InboundHandler<M> handler) {
        return new PeerTransport<>(config, codec, handler);
    }

    public String nodeId() {
        return config.nodeId();
    }

    /** The bound peer port (useful when the config asked for port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Adds (and starts dialing) a peer; replaces it if its address changed. Ignores this node itself. */
    public void addPeer(PeerAddress peer) {
        if (peer.nodeId().equals(config.nodeId())) return;
        PeerConnection fresh = new PeerConnection(peer, config, group, channelClass);
        PeerConnection old = peers.put(peer.nodeId(), fresh);
        if (old != null) {
            if (old.address().equals(peer)) {
                peers.put(peer.nodeId(), old);
                return;
            }
            old.close();
        }
        fresh.start();
    }

    public void addPeers(Collection<PeerAddress> all) {
        for (PeerAddress p : all) addPeer(p);
    }

    public void removePeer(String nodeId) {
        PeerConnection old = peers.remove(nodeId);
        if (old != null) old.close();
    }

    /**
     * Queues {@code message} for {@code toNodeId}. Encodes on the calling thread (spreading codec
     * work over the Raft threads) and returns at once. A message to an unknown peer is counted in
     * {@link #droppedUnknownPeer()}: membership changes make this normal for a short while.
     *
     * @throws IllegalArgumentException if the encoded message exceeds {@link Frames#FRAME_BYTES_MAX}
     */
    public void send(String toNodeId, long groupId, M message) {
        PeerConnection peer = peers.get(toNodeId);
        if (peer == null) {
            droppedUnknownPeer.incrementAndGet();
            return;
        }
        peer.enqueue(Frames.message(alloc, groupId, message, codec));
    }

    public List<PeerStats> stats() {
        List<PeerStats> out = new ArrayList<>();
        for (PeerConnection p : peers.values()) out.add(p.stats());
        out.sort((a, b) -> a.nodeId().compareTo(b.nodeId()));
        return out;
    }

    public PeerStats stats(String nodeId) {
        PeerConnection p = peers.get(nodeId);
        return p == null ? null : p.stats();
    }

    public long receivedMessages() { return receivedMessages.get(); }

    public long droppedUnknownPeer() { return droppedUnknownPeer.get(); }

    public long rejectedConnections() { return rejectedConnections.get(); }

    public long corruptFrames() { return corruptFrames.get(); }

    /** Messages whose inbound handler threw (logged, connection kept). */
    public long handlerFailures() { return handlerFailures.get(); }

    @Override
    public void close() {
        for (PeerConnection p : peers.values()) p.close();
        peers.clear();
        serverChannel.close().syncUninterruptibly();
        inbound.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The accepting side: expects HELLO first, answers HELLO_ACK or REJECT, then reads MESSAGE frames. */
    private final class ServerHandler extends ChannelInboundHandlerAdapter {
        private String from; // set once the handshake is accepted

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                byte type = frame.readByte();
                if (from == null) {
                    onHello(ctx, type, frame);
                    return;
                }
                if (type != Frames.MESSAGE) {
                    throw new IllegalArgumentException("unexpected frame type " + type + " from " + from);
                }
                long groupId = frame.readLong();
                M message = codec.decode(groupId, from, config.nodeId(), frame);
                if (frame.isReadable()) {
                    throw new IllegalArgumentException("codec left " + frame.readableBytes()
                            + " bytes unread in a message from " + from + " for group " + groupId);
                }
                receivedMessages.incrementAndGet();
                try {
                    handler.onMessage(from, groupId, message);
                } catch (RuntimeException e) {
                    // One group's failure must not cut every group's traffic from this peer.
                    handlerFailures.incrementAndGet();
                    log.warn("handler failed for a message from {} to group {}: {}", from, groupId, e.toString());
                }
            } finally {
                frame.release();
            }
        }

        private void onHello(ChannelHandlerContext ctx, byte type, ByteBuf frame) {
            String reason;
            if (type != Frames.HELLO) {
                reason = "expected HELLO, got frame type " + type;
            } else {
                Frames.Hello h = Frames.Hello.read(frame);
                if (h.magic() != Frames.MAGIC) {
                    reason = "not a Cairn peer (bad magic)";
                } else if (h.version() != Frames.PROTOCOL_VERSION) {
                    reason = "peer protocol version " + h.version() + " unsupported, this node speaks " + Frames.PROTOCOL_VERSION;
                } else if (!h.clusterId().equals(config.clusterId())) {
                    reason = "cluster id mismatch: node " + h.sender() + " is in cluster '" + h.clusterId()
                            + "', node " + config.nodeId() + " is in '" + config.clusterId() + "'";
                } else if (!h.expected().equals(config.nodeId())) {
                    reason = "node " + h.sender() + " dialed " + h.expected() + " but reached " + config.nodeId()
                            + " (check --peers)";
                } else if (h.sender().equals(config.nodeId())) {
                    reason = "a peer claims this node's own id " + h.sender();
                } else {
                    from = h.sender();
                    ctx.writeAndFlush(Frames.helloAck(ctx.alloc(), config.nodeId()));
                    return;
                }
            }
            rejectedConnections.incrementAndGet();
            log.warn("refused peer connection from {}: {}", ctx.channel().remoteAddress(), reason);
            ctx.writeAndFlush(Frames.reject(ctx.alloc(), reason)).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof io.netty.handler.codec.DecoderException) {
                corruptFrames.incrementAndGet();
            }
            log.warn("closing peer connection from {} ({}): {}", from, ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
