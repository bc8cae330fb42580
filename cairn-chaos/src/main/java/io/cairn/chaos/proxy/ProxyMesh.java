package io.cairn.chaos.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@link FaultProxy} per ordered node pair. Node A reaches node B's peer port at
 * {@code port(A, B)}; B reaches A at {@code port(B, A)}. Partition shapes are expressed here as
 * settings of those proxies, so callers think in nodes, not ports.
 */
public final class ProxyMesh implements AutoCloseable {
    private final Map<String, FaultProxy> proxies = new LinkedHashMap<>();
    private final List<String> nodes;

    /**
     * Opens a proxy for every ordered pair of {@code peerAddresses} (node id to its real peer
     * address). The i-th proxy gets seed {@code seed + i} so jitter is reproducible per link.
     */
    public ProxyMesh(Map<String, InetSocketAddress> peerAddresses, long seed) throws IOException {
        this(peerAddresses, seed, () -> 0);
    }

    /**
     * As above, with listener ports taken from {@code ports} (0 = any free port). The cluster
     * passes its own allocator so a proxy can never grab a port already promised to a node that
     * has not bound it yet.
     */
    public ProxyMesh(Map<String, InetSocketAddress> peerAddresses, long seed, java.util.function.IntSupplier ports) throws IOException {
        this.nodes = List.copyOf(peerAddresses.keySet());
        int i = 0;
        try {
            for (String from : nodes) {
                for (String to : nodes) {
                    if (!from.equals(to)) {
                        proxies.put(key(from, to), new FaultProxy(from + "->" + to, peerAddresses.get(to), seed + i++, ports.getAsInt()));
                    }
                }
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private static String key(String from, String to) {
        return from + "->" + to;
    }

    /** The proxy that carries {@code from}'s connections to {@code to}. */
    public FaultProxy proxy(String from, String to) {
        FaultProxy p = proxies.get(key(from, to));
        if (p == null) {
            throw new IllegalArgumentException("no proxy " + key(from, to) + "; nodes are " + nodes);
        }
        return p;
    }

    /** The loopback port {@code from} must dial to reach {@code to}. */
    public int port(String from, String to) {
        return proxy(from, to).port();
    }

    public List<String> nodes() {
        return nodes;
    }

    public Collection<FaultProxy> all() {
        return proxies.values();
    }

    /** Messages from {@code from} no longer reach {@code to}; the other way still works. */
    public void cutOneWay(String from, String to) {
        // From's own connections to To lose their forward bytes; To's connections to From lose
        // the bytes coming back from From.
        proxy(from, to).cut(Direction.FORWARD);
        proxy(to, from).cut(Direction.BACKWARD);
    }

    /** No traffic between any node of {@code a} and any node of {@code b}, in either direction. */
    public void split(Set<String> a, Set<String> b) {
        for (String x : a) {
            for (String y : b) {
                if (!x.equals(y)) {
                    proxy(x, y).blackhole();
                    proxy(y, x).blackhole();
                }
            }
        }
    }

    /** Cuts {@code node} off from every other node. */
    public void isolate(String node) {
        List<String> others = new ArrayList<>(nodes);
        others.remove(node);
        split(Set.of(node), Set.copyOf(others));
    }

    /** Delay plus jitter on every link. */
    public void delayAll(long delayMs, long jitterMs) {
        for (FaultProxy p : proxies.values()) {
            p.delay(delayMs, jitterMs);
        }
    }

    /** Every link back to pass; links that lost bytes are reset so the nodes reconnect cleanly. */
    public void healAll() {
        for (FaultProxy p : proxies.values()) {
            p.pass();
        }
    }

    /** One line per link that is not plain pass, for logs and the report. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (FaultProxy p : proxies.values()) {
            String d = p.describe();
            if (!d.equals("pass")) {
                sb.append(p.name()).append('=').append(d).append(' ');
            }
        }
        return sb.length() == 0 ? "all links pass" : sb.toString().trim();
    }

    @Override
    public void close() {
        for (FaultProxy p : proxies.values()) {
            p.close();
        }
    }
}
