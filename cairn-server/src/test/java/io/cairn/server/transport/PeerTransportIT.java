package io.cairn.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real loopback sockets between transports in this JVM. */
class PeerTransportIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    record Received(String from, long group, byte[] body) {
        int number() { return ByteBuffer.wrap(body).getInt(); }
    }

    private final List<PeerTransport<byte[]>> started = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (PeerTransport<byte[]> t : started) t.close();
    }

    private PeerTransport<byte[]> start(TransportConfig config, LinkedBlockingQueue<Received> inbox) {
        PeerTransport<byte[]> t = PeerTransport.start(config, new BytesCodec(),
                (from, group, msg) -> inbox.add(new Received(from, group, msg)));
        started.add(t);
        return t;
    }

    private static TransportConfig cfg(String node, int port) {
        return TransportConfig.defaults(node, "test-cluster", "127.0.0.1", port);
    }

    private static byte[] num(int n) {
        return ByteBuffer.allocate(4).putInt(n).array();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static Received take(LinkedBlockingQueue<Received> inbox) throws InterruptedException {
        Received r = inbox.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(r).as("a message within " + WAIT).isNotNull();
        return r;
    }

    @Test
    void deliversInOrderAcrossGroupsInBothDirections() throws Exception {
        LinkedBlockingQueue<Received> inA = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Received> inB = new LinkedBlockingQueue<>();
        PeerTransport<byte[]> a = start(cfg("n1", 0), inA);
        PeerTransport<byte[]> b = start(cfg("n2", 0), inB);
        a.addPeer(new PeerAddress("n2", "127.0.0.1", b.port()));
        b.addPeer(new PeerAddress("n1", "127.0.0.1", a.port()));

        for (int i = 0; i < 3000; i++) a.send("n2", i % 3, num(i));
        b.send("n1", 42, num(-1));

        for (int i = 0; i < 3000; i++) {
            Received r = take(inB);
            assertThat(r.from()).isEqualTo("n1");
            assertThat(r.number()).isEqualTo(i);
            assertThat(r.group()).isEqualTo(i % 3);
        }
        Received back = take(inA);
        assertThat(back.from()).isEqualTo("n2");
        assertThat(back.group()).isEqualTo(42);
        assertThat(a.stats("n2").droppedMessages()).isZero();
    }

    @Test
    void everythingQueuedForAPeerLeavesInOneFlush() throws Exception {
        int portB = freePort();
        LinkedBlockingQueue<Received> inB = new LinkedBlockingQueue<>();
        PeerTransport<byte[]> a = start(cfg("n1", 0), new LinkedBlockingQueue<>());
        a.addPeer(new PeerAddress("n2", "127.0.0.1", portB));
        // n2 is not up yet, so all 1000 messages wait in n1's queue for the first connection.
        for (int i = 0; i < 1000; i++) a.send("n2", 1, num(i));
        assertThat(a.stats("n2").queuedMessages()).isEqualTo(1000);

        start(cfg("n2", portB), inB);
        for (int i = 0; i < 1000; i++) assertThat(take(inB).number()).isEqualTo(i);
        PeerStats s = a.stats("n2");
        assertThat(s.sentMessages()).isEqualTo(1000);
        assertThat(s.flushes()).as("flushes for 1000 queued messages").isEqualTo(1);
    }

    @Test
    void reconnectsAfterThePeerRestarts() throws Exception {
        LinkedBlockingQueue<Received> inB = new LinkedBlockingQueue<>();
        PeerTransport<byte[]> a = start(cfg("n1", 0), new LinkedBlockingQueue<>());
        PeerTransport<byte[]> b = start(cfg("n2", 0), inB);
        int portB = b.port();
        a.addPeer(new PeerAddress("n2", "127.0.0.1", portB));
        a.send("n2", 1, num(1));
        assertThat(take(inB).number()).isEqualTo(1);

        b.close();
        started.remove(b);
        Await.until(WAIT, () -> !a.stats("n2").connected(), () -> "n1 notices n2 is gone: " + a.stats("n2"));
        a.send("n2", 1, num(2)); // queued while n2 is down

        LinkedBlockingQueue<Received> inB2 = new LinkedBlockingQueue<>();
        start(cfg("n2", portB), inB2);
        assertThat(take(inB2).number()).isEqualTo(2);
        assertThat(a.stats("n2").connects()).isEqualTo(2);
    }

    @Test
    void aFullQueueDropsTheOldestAndCountsThem() throws Exception {
        int portB = freePort();
        LinkedBlockingQueue<Received> inB = new LinkedBlockingQueue<>();
        PeerTransport<byte[]> a = start(cfg("n1", 0).withQueueMessagesMax(100), new LinkedBlockingQueue<>());
        a.addPeer(new PeerAddress("n2", "127.0.0.1", portB));
        for (int i = 0; i < 1000; i++) a.send("n2", 1, num(i));
        assertThat(a.stats("n2").queuedMessages()).isEqualTo(100);
        assertThat(a.stats("n2").droppedMessages()).isEqualTo(900);

        start(cfg("n2", portB), inB);
        for (int i = 900; i < 1000; i++) assertThat(take(inB).number()).isEqualTo(i);
        assertThat(inB.poll(200, TimeUnit.MILLISECONDS)).as("nothing beyond the newest 100").isNull();
    }

    @Test
    void aPeerOfAnotherClusterIsRefusedAtHandshake() throws Exception {
        LinkedBlockingQueue<Received> inB = new LinkedBlockingQueue<>();
        PeerTransport<byte[]> b = start(TransportConfig.defaults("n2", "other-cluster", "127.0.0.1", 0), inB);
        PeerTransport<byte[]> a = start(cfg("n1", 0), new LinkedBlockingQueue<>());
        a.addPeer(new PeerAddress("n2", "127.0.0.1", b.port()));
        a.send("n2", 1, num(1));
        Await.until(WAIT, () -> b.rejectedConnections() > 0, () -> "n2 refuses n1");
        Await.until(WAIT, () -> String.valueOf(a.stats("n2").lastError()).contains("cluster id mismatch"),
                () -> "n1 reports why: " + a.stats("n2"));
        assertThat(inB).isEmpty();
        assertThat(a.stats("n2").connected()).isFalse();
    }

    @Test
    void aPeerAtTheWrongAddressIsRefusedAtHandshake() throws Exception {
        LinkedBlockingQueue<Received> inB = new LinkedBlockingQueue<>();
        PeerTransport<byte[]> b = start(cfg("n2", 0), inB);
        PeerTransport<byte[]> a = start(cfg("n1", 0), new LinkedBlockingQueue<>());
        a.addPeer(new PeerAddress("n3", "127.0.0.1", b.port())); // n1 believes n3 listens there
        a.send("n3", 1, num(1));
        Await.until(WAIT, () -> String.valueOf(a.stats("n3").lastError()).contains("dialed n3 but reached n2"),
                () -> "n1 reports the wrong address: " + a.stats("n3"));
        assertThat(inB).isEmpty();
    }

    @Test
    void aMessageToAnUnknownPeerIsCounted() {
        PeerTransport<byte[]> a = start(cfg("n1", 0), new LinkedBlockingQueue<>());
        a.send("n9", 1, num(1));
        assertThat(a.droppedUnknownPeer()).isEqualTo(1);
    }
}
