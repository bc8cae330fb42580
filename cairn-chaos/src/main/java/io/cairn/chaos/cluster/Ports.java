package io.cairn.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Free loopback ports. A port is released before the node binds it, so a rare race is possible; nodes then exit with a clear message. */
public final class Ports {
    private static final Set<Integer> handedOut = new HashSet<>();

    private Ports() {}

    /** A port that was free a moment ago and was not handed out before by this JVM. */
    public static synchronized int free() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = s.getLocalPort();
                if (handedOut.add(p)) {
                    return p;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no fresh free port after 100 tries");
    }
}
