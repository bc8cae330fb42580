package io.cairn.chaos.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy against real loopback sockets: every mode, switched at runtime. */
class FaultProxyIT {
    private EchoServer echo;
    private FaultProxy proxy;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        echo = new EchoServer();
        proxy = new FaultProxy("a->b", echo.address(), 42);
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        proxy.close();
        echo.close();
    }

    private Socket dial() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(5000);
        sockets.add(s);
        return s;
    }

    private static String readLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            sb.append((char) c);
        }
        if (c < 0) {
            throw new IOException("closed after '" + sb + "'");
        }
        return sb.toString();
    }

    private static void send(Socket s, String line) throws IOException {
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
    }

    /** Polls a condition with a deadline instead of sleeping a guessed amount. */
    private static void await(BooleanSupplier cond, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
    }

    /** True when the socket was closed by the other side (EOF or reset) before the read timeout. */
    private static boolean closedByPeer(Socket s) {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void passForwardsBothWays() throws IOException {
        Socket s = dial();
        assertThat(readLine(s)).isEqualTo("hi");
        send(s, "hello");
        assertThat(readLine(s)).isEqualTo("hello");
        // The proxy counts a chunk after writing it, so the echo can reach us before the count moves.
        await(() -> proxy.bytesForwarded() >= 3 + 6 + 6, "proxy counts the 15 bytes it forwarded");
    }

    @Test
    void blackholeSwallowsBytesWithoutClosingAndHealResetsTheConnection() throws IOException {
        Socket s = dial();
        assertThat(readLine(s)).isEqualTo("hi");
        long before = echo.bytesReceived.get();
        proxy.blackhole();
        send(s, "lost");
        await(() -> proxy.bytesDropped() >= 5, "proxy drops the 5 bytes");
        assertThat(echo.bytesReceived.get()).isEqualTo(before);
        assertThat(s.isClosed()).isFalse();

        proxy.pass();
        assertThat(closedByPeer(s)).as("a connection that lost bytes is reset on heal").isTrue();
        Socket fresh = dial();
        assertThat(readLine(fresh)).isEqualTo("hi");
        send(fresh, "back");
        assertThat(readLine(fresh)).isEqualTo("back");
    }

    @Test
    void newConnectionDuringBlackholeNeverReachesTheTarget() throws IOException {
        proxy.blackhole();
        Socket s = dial();
        send(s, "syn?");
        await(() -> proxy.bytesDropped() >= 5, "bytes swallowed");
        assertThat(echo.bytesReceived.get()).isZero();
        proxy.pass();
        assertThat(closedByPeer(s)).isTrue();
    }

    @Test
    void rejectClosesExistingAndNewConnections() throws IOException {
        Socket s = dial();
        assertThat(readLine(s)).isEqualTo("hi");
        proxy.reject();
        assertThat(closedByPeer(s)).isTrue();
        Socket refused = dial();
        assertThat(closedByPeer(refused)).isTrue();
        assertThat(proxy.connectionsRefused()).isGreaterThanOrEqualTo(1);

        proxy.pass();
        Socket ok = dial();
        assertThat(readLine(ok)).isEqualTo("hi");
    }

    @Test
    void oneWayCutDropsOnlyForwardBytes() throws IOException {
        proxy.cut(Direction.FORWARD);
        Socket s = dial();
        // The target's greeting still flows backward to the dialler.
        assertThat(readLine(s)).isEqualTo("hi");
        send(s, "unheard");
        await(() -> proxy.bytesDropped() >= 8, "forward bytes dropped");
        assertThat(echo.bytesReceived.get()).isZero();
    }

    @Test
    void backwardCutLetsTheTargetHearButNotAnswer() throws IOException {
        proxy.cut(Direction.BACKWARD);
        Socket s = dial();
        send(s, "heard");
        await(() -> echo.bytesReceived.get() >= 6, "target hears the dialler");
        await(() -> proxy.bytesDropped() >= 3 + 6, "greeting and echo dropped on the way back");
    }

    @Test
    void delayHoldsBytesAtLeastTheDelayAndKeepsOrder() throws IOException {
        Socket s = dial();
        assertThat(readLine(s)).isEqualTo("hi");
        proxy.delay(150, 50);
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            send(s, "m" + i);
        }
        for (int i = 0; i < 20; i++) {
            assertThat(readLine(s)).isEqualTo("m" + i);
        }
        // Bytes cross the proxy twice (there and back), each leg held at least 150 ms: a lower bound
        // the proxy guarantees, not a performance expectation.
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(300);
    }

    @Test
    void switchingModesFromAnotherThreadWhileTrafficFlowsLeavesAHealthyProxy() throws Exception {
        Random random = new Random(7);
        Thread flipper = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 300; i++) {
                switch (random.nextInt(5)) {
                    case 0 -> proxy.blackhole();
                    case 1 -> proxy.reject();
                    case 2 -> proxy.cut(Direction.FORWARD);
                    case 3 -> proxy.delay(1, 1);
                    default -> proxy.pass();
                }
                Thread.yield();
            }
        });
        for (int i = 0; i < 50 && flipper.isAlive(); i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                s.setSoTimeout(200);
                send(s, "x" + i);
                s.getInputStream().read();
            } catch (IOException expectedUnderFaults) {
                // Faults are being injected; this loop only generates traffic.
            }
        }
        flipper.join(10_000);
        proxy.pass();
        Socket s = dial();
        assertThat(readLine(s)).isEqualTo("hi");
        send(s, "alive");
        assertThat(readLine(s)).isEqualTo("alive");
    }
}
