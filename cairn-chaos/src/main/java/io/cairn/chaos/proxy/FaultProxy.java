package io.cairn.chaos.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a loopback port that forwards to one target and injects faults on command:
 * {@link #pass()}, {@link #blackhole()}, {@link #reject()}, {@link #delay(long, long)} and
 * {@link #cut(Direction)}. Settings change at runtime from any thread and apply to the next chunk
 * read, on existing and new connections alike.
 *
 * <p>A dropped chunk is gone, so the byte stream after it would be garbage to the peer protocol.
 * Real networks do not do that: a long partition ends in a reset. So a connection that lost any
 * bytes is marked tainted and is closed when its direction is healed, and the nodes reconnect.
 *
 * <p>Bounds: each direction of a connection holds at most {@link #QUEUED_BYTES_MAX} bytes in its
 * delay line; a full line stops reading, which pushes back on the sender the way a slow link does.
 * At most {@link #CONNECTIONS_MAX} connections are open at once; more are closed on accept.
 */
public final class FaultProxy implements AutoCloseable {
    /** Bytes one direction of one connection may hold while they wait out a delay. */
    public static final int QUEUED_BYTES_MAX = 4 << 20;
    /** Largest chunk moved per read. */
    static final int CHUNK_BYTES_MAX = 64 << 10;
    /** Open connections per proxy; the nodes keep one or two per peer pair, so this is generous. */
    public static final int CONNECTIONS_MAX = 256;

    private final String name;
    private final InetSocketAddress target;
    private final ServerSocket listener;
    private final long seed;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private volatile boolean rejecting;
    private volatile boolean dropForward;
    private volatile boolean dropBackward;
    private volatile long delayMs;
    private volatile long jitterMs;

    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong connectionsRefused = new AtomicLong();
    private final AtomicLong bytesForwarded = new AtomicLong();
    private final AtomicLong bytesDropped = new AtomicLong();
    private final AtomicLong connectionCounter = new AtomicLong();

    /** Starts listening on a free loopback port; {@code seed} drives the jitter. */
    public FaultProxy(String name, InetSocketAddress target, long seed) throws IOException {
        this(name, target, seed, 0);
    }

    /** Starts listening on {@code port} (0 for a free one) on loopback. */
    public FaultProxy(String name, InetSocketAddress target, long seed, int port) throws IOException {
        this.name = name;
        this.target = target;
        this.seed = seed;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        Thread.ofPlatform().daemon().name("proxy-accept-" + name).start(this::acceptLoop);
    }

    public String name() {
        return name;
    }

    public int port() {
        return listener.getLocalPort();
    }

    public InetSocketAddress target() {
        return target;
    }

    // ---- fault controls ----

    /** Heals everything: no drops, no delay, accept connections; tainted connections are reset. */
    public void pass() {
        rejecting = false;
        delayMs = 0;
        jitterMs = 0;
        dropForward = false;
        dropBackward = false;
        resetTainted();
    }

    /** Both directions swallow bytes; connections stay open, as a silent partition does. */
    public void blackhole() {
        dropForward = true;
        dropBackward = true;
    }

    /** Only {@code d} swallows bytes; the other direction keeps flowing. */
    public void cut(Direction d) {
        if (d == Direction.FORWARD) {
            dropForward = true;
        } else {
            dropBackward = true;
        }
    }

    /** Closes every open connection and closes new ones on accept, as a crashed or firewalled port does. */
    public void reject() {
        rejecting = true;
        for (Connection c : connections) {
            c.close();
        }
    }

    /** Holds every chunk for {@code delayMs} plus a seeded random share of {@code jitterMs}. */
    public void delay(long delayMs, long jitterMs) {
        if (delayMs < 0 || jitterMs < 0) {
            throw new IllegalArgumentException("delay and jitter must be >= 0, got " + delayMs + "/" + jitterMs);
        }
        this.delayMs = delayMs;
        this.jitterMs = jitterMs;
    }

    /** Resets connections that lost bytes in a direction that is no longer dropping. */
    private void resetTainted() {
        for (Connection c : connections) {
            if (c.tainted.get()) {
                c.close();
            }
        }
    }

    public String describe() {
        if (rejecting) {
            return "reject";
        }
        StringBuilder sb = new StringBuilder();
        if (dropForward && dropBackward) {
            sb.append("blackhole");
        } else if (dropForward) {
            sb.append("cut-forward");
        } else if (dropBackward) {
            sb.append("cut-backward");
        } else {
            sb.append("pass");
        }
        if (delayMs > 0 || jitterMs > 0) {
            sb.append("+delay(").append(delayMs).append("±").append(jitterMs).append("ms)");
        }
        return sb.toString();
    }

    // ---- statistics ----

    public long connectionsAccepted() {
        return connectionsAccepted.get();
    }

    public long connectionsRefused() {
        return connectionsRefused.get();
    }

    public long bytesForwarded() {
        return bytesForwarded.get();
    }

    public long bytesDropped() {
        return bytesDropped.get();
    }

    public int openConnections() {
        return connections.size();
    }

    // ---- machinery ----

    private void acceptLoop() {
        while (!closed.get()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (closed.get()) {
                    return;
                }
                continue;
            }
            if (rejecting || connections.size() >= CONNECTIONS_MAX) {
                connectionsRefused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            connectionsAccepted.incrementAndGet();
            Connection c = new Connection(client, connectionCounter.incrementAndGet());
            connections.add(c);
            Thread.ofVirtual().name("proxy-" + name + "-open").start(c::open);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly(listener);
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception ignored) {
            // Closing is best effort: the peer may already have gone.
        }
    }

    /** A chunk waiting in a delay line; {@code data == null} marks end of stream. */
    private record Chunk(byte[] data, long dueNanos) {}

    /** One proxied connection: two directions, each a reader feeding a writer through a bounded delay line. */
    private final class Connection {
        final Socket client;
        final long id;
        volatile Socket upstream;
        final AtomicBoolean tainted = new AtomicBoolean();
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicLong writersFinished = new AtomicLong();
        /** The four pump threads, interrupted on close so none is left parked on an empty delay line. */
        final Set<Thread> pumps = ConcurrentHashMap.newKeySet();

        Connection(Socket client, long id) {
            this.client = client;
            this.id = id;
        }

        void open() {
            try {
                client.setTcpNoDelay(true);
                if (dropForward && dropBackward) {
                    // A blackholed link never lets a SYN through: swallow what the dialler sends and
                    // connect upstream only if the link heals while this connection still lives.
                    tainted.set(true);
                    swallowUntilHealed();
                    if (done.get()) {
                        return;
                    }
                }
                Socket up = new Socket();
                up.setTcpNoDelay(true);
                up.connect(target, 2000);
                upstream = up;
                if (done.get()) {
                    closeQuietly(up);
                    return;
                }
                startDirection(Direction.FORWARD, client, up);
                startDirection(Direction.BACKWARD, up, client);
                for (Thread t : pumps) {
                    t.start();
                }
                if (done.get()) {
                    pumps.forEach(Thread::interrupt);
                }
            } catch (IOException e) {
                close();
            }
        }

        /** Reads and discards the dialler's bytes; a tainted connection is closed on heal, so this ends either way. */
        private void swallowUntilHealed() throws IOException {
            byte[] buf = new byte[CHUNK_BYTES_MAX];
            InputStream in = client.getInputStream();
            while (!done.get()) {
                int n = in.read(buf);
                if (n < 0) {
                    close();
                    return;
                }
                bytesDropped.addAndGet(n);
            }
        }

        private void startDirection(Direction d, Socket from, Socket to) {
            BlockingQueue<Chunk> line = new ArrayBlockingQueue<>(QUEUED_BYTES_MAX / 1024);
            Semaphore budget = new Semaphore(QUEUED_BYTES_MAX);
            DelayLine delays = new DelayLine(seed ^ (id * 31 + d.ordinal()));
            pumps.add(Thread.ofVirtual().name("proxy-" + name + "-" + id + "-" + d + "-read").unstarted(() -> read(d, from, line, budget, delays)));
            pumps.add(Thread.ofVirtual().name("proxy-" + name + "-" + id + "-" + d + "-write").unstarted(() -> write(to, line, budget)));
        }

        private boolean dropping(Direction d) {
            return d == Direction.FORWARD ? dropForward : dropBackward;
        }

        private void read(Direction d, Socket from, BlockingQueue<Chunk> line, Semaphore budget, DelayLine delays) {
            byte[] buf = new byte[CHUNK_BYTES_MAX];
            try {
                InputStream in = from.getInputStream();
                while (!done.get()) {
                    int n = in.read(buf);
                    if (n < 0) {
                        line.put(new Chunk(null, delays.due(System.nanoTime(), delayMs, jitterMs)));
                        return;
                    }
                    if (dropping(d)) {
                        tainted.set(true);
                        bytesDropped.addAndGet(n);
                        continue;
                    }
                    budget.acquire(n);
                    line.put(new Chunk(Arrays.copyOf(buf, n), delays.due(System.nanoTime(), delayMs, jitterMs)));
                }
            } catch (IOException | InterruptedException e) {
                close();
            }
        }

        private void write(Socket to, BlockingQueue<Chunk> line, Semaphore budget) {
            try {
                OutputStream out = to.getOutputStream();
                while (!done.get()) {
                    Chunk c = line.take();
                    long waitNanos = c.dueNanos() - System.nanoTime();
                    if (waitNanos > 0) {
                        Thread.sleep(waitNanos / 1_000_000L, (int) (waitNanos % 1_000_000L));
                    }
                    if (c.data() == null) {
                        // Half-close: the other direction may still have bytes to deliver.
                        try {
                            to.shutdownOutput();
                        } catch (SocketException alreadyClosed) {
                            close();
                        }
                        if (writersFinished.incrementAndGet() == 2) {
                            close();
                        }
                        return;
                    }
                    out.write(c.data());
                    out.flush();
                    bytesForwarded.addAndGet(c.data().length);
                    budget.release(c.data().length);
                }
            } catch (IOException | InterruptedException e) {
                close();
            }
        }

        void close() {
            if (done.compareAndSet(false, true)) {
                closeQuietly(client);
                closeQuietly(upstream);
                connections.remove(this);
                for (Thread t : pumps) {
                    if (t != Thread.currentThread()) {
                        t.interrupt();
                    }
                }
            }
        }
    }
}
