package io.cairn.chaos.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Partition shapes of the mesh, with echo servers standing in for three nodes' peer ports. */
class ProxyMeshIT {
    private final Map<String, EchoServer> peers = new LinkedHashMap<>();
    private ProxyMesh mesh;

    @BeforeEach
    void start() throws IOException {
        Map<String, InetSocketAddress> addrs = new LinkedHashMap<>();
        for (String id : new String[] {"n1", "n2", "n3"}) {
            EchoServer e = new EchoServer();
            peers.put(id, e);
            addrs.put(id, e.address());
        }
        mesh = new ProxyMesh(addrs, 5);
    }

    @AfterEach
    void stop() throws IOException {
        mesh.close();
        for (EchoServer e : peers.values()) {
            e.close();
        }
    }

    /** True when {@code from} dialling {@code to} receives {@code to}'s greeting within a short read timeout. */
    private boolean greets(String from, String to) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), mesh.port(from, to))) {
            s.setSoTimeout(300);
            InputStream in = s.getInputStream();
            return in.read() == 'h';
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Test
    void everyOrderedPairHasItsOwnProxy() {
        assertThat(mesh.all()).hasSize(6);
        assertThat(mesh.port("n1", "n2")).isNotEqualTo(mesh.port("n2", "n1"));
        assertThat(mesh.describe()).isEqualTo("all links pass");
    }

    @Test
    void isolateCutsOneNodeBothWaysAndLeavesTheRest() throws IOException {
        mesh.isolate("n1");
        assertThat(greets("n1", "n2")).isFalse();
        assertThat(greets("n3", "n1")).isFalse();
        assertThat(greets("n2", "n3")).isTrue();
        mesh.healAll();
        assertThat(greets("n1", "n2")).isTrue();
        assertThat(greets("n3", "n1")).isTrue();
    }

    @Test
    void oneWayCutSilencesOnlyOneSender() throws IOException {
        mesh.cutOneWay("n2", "n1");
        // n2's bytes never reach n1: n1 dialling n2 gets no greeting back.
        assertThat(greets("n1", "n2")).isFalse();
        // n1's bytes still reach n2: n2 dialling n1 hears n1's greeting.
        assertThat(greets("n2", "n1")).isTrue();
        assertThat(mesh.describe()).contains("n2->n1=cut-forward").contains("n1->n2=cut-backward");
    }

    @Test
    void splitSeparatesSidesButNotNodesOnTheSameSide() throws IOException {
        mesh.split(Set.of("n1"), Set.of("n2", "n3"));
        assertThat(greets("n2", "n3")).isTrue();
        assertThat(greets("n2", "n1")).isFalse();
    }
}
