package io.cairn.chaos;

import io.cairn.chaos.cluster.LocalCluster;
import io.cairn.chaos.cluster.ServerLauncher;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * How the real-node ITs start nodes, and the one honest reason they may not run: the server on
 * this branch is still the skeleton (it prints so and exits). Any other failure to start fails the
 * test. Set {@code -Dcairn.server.jar=...} (or {@code CAIRN_SERVER_JAR}) to test a built jar;
 * otherwise nodes run from the test classpath, which holds the server classes of this checkout.
 */
final class ServerUnderTest {
    /** Startup messages of a server build that cannot serve yet. */
    private static final String[] NOT_BUILT = {"not built yet", "no partition replica implementation"};

    private ServerUnderTest() {}

    static ServerLauncher launcher() {
        String jar = System.getProperty("cairn.server.jar", System.getenv("CAIRN_SERVER_JAR"));
        if (jar != null && !jar.isBlank()) {
            return ServerLauncher.jar(ServerLauncher.currentJava(), Path.of(jar));
        }
        return ServerLauncher.fromTestClasspath();
    }

    /** Aborts (skips) the test when the node's log says the server is not built on this branch. */
    static void skipIfServerMissing(LocalCluster cluster, String id) {
        String tail = cluster.logTail(id, 40);
        for (String marker : NOT_BUILT) {
            if (tail.contains(marker)) {
                Assumptions.abort("the server on this branch cannot serve yet: " + marker);
            }
        }
    }

    /** Starts one node and checks it is usable, skipping when the server is a skeleton. */
    static void probe(Path dir, int nodes) throws Exception {
        try (LocalCluster c = new LocalCluster(dir, nodes, launcher(), ChaosMain.SMALL_SEGMENT_ARGS, 1)) {
            c.startAll();
            for (String id : c.ids()) {
                boolean ready = c.awaitReady(id, Duration.ofSeconds(60));
                if (!ready) {
                    skipIfServerMissing(c, id);
                    throw new AssertionError(id + " did not become ready:\n" + c.logTail(id, 30));
                }
            }
            if (nodes > 1) {
                // A node answers /ready before the metadata group has formed, so /cluster may list
                // no nodes yet; wait for it (under load this takes seconds), then fail, never skip:
                // a skipped campaign would let CI pass without running the chaos checks at all.
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int known = 0;
                var client = c.directClient("n1", Duration.ofSeconds(5));
                while (System.nanoTime() < deadline) {
                    try {
                        known = client.cluster().nodeIds().size();
                    } catch (RuntimeException e) {
                        known = 0;
                    }
                    if (known == nodes) {
                        break;
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                }
                if (known != nodes) {
                    throw new AssertionError("/cluster on n1 lists " + known + " node(s) with --peers of " + nodes
                            + " after 60 s:\n" + c.logTail("n1", 30));
                }
            }
        }
    }
}
