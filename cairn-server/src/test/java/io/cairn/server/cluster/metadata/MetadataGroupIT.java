package io.cairn.server.cluster.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.core.NodeId;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.cluster.RaftRouter;
import io.cairn.server.transport.PeerAddress;
import io.cairn.server.transport.PeerTransport;
import io.cairn.server.transport.PeerMessage;
import io.cairn.server.transport.PeerMessageCodec;
import io.cairn.server.transport.TransportConfig;
import io.cairn.storage.Flusher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three metadata groups in one JVM over real loopback transports and real segment logs. */
class MetadataGroupIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<PeerTransport<PeerMessage>> transports = new ArrayList<>();
    private final MetadataGroup[] groups = new MetadataGroup[3];
    private List<NodeInfo> nodes;

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    private final List<RaftRouter> routers = new ArrayList<>();

    private void startAll() throws Exception {
        nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RaftRouter router = new RaftRouter();
            PeerTransport<PeerMessage> t = PeerTransport.start(
                    TransportConfig.defaults("n" + (i + 1), "test", "127.0.0.1", 0), new PeerMessageCodec(), router);
            router.attach(t);
            open.add(t);
            transports.add(t);
            routers.add(router);
            nodes.add(new NodeInfo("n" + (i + 1), "127.0.0.1", t.port(), "http://127.0.0.1:" + (9001 + i)));
        }
        for (PeerTransport<PeerMessage> t : transports) {
            for (NodeInfo n : nodes) t.addPeer(new PeerAddress(n.id(), n.peerHost(), n.peerPort()));
        }
        for (int i = 0; i < 3; i++) groups[i] = startGroup(i);
    }

    private MetadataGroup startGroup(int i) throws Exception {
        Flusher flusher = new Flusher("n" + (i + 1));
        open.add(flusher);
        RaftRouter router = routers.get(i);
        router.unregister(0);
        MetadataGroup g = new MetadataGroup(NodeId.of("n" + (i + 1)), dir.resolve("n" + (i + 1)), flusher, nodes,
                router, (s, c, r) -> { }, 50, 5000, t -> { throw new AssertionError("fatal", t); });
        open.add(g);
        router.register(0, g::onMessage);
        return g;
    }

    private static void await(BooleanSupplier c, String what) {
        await(c, () -> what);
    }

    private static void await(BooleanSupplier c, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what.get());
            LockSupport.parkNanos(10_000_000);
        }
    }

    private int leader() {
        await(() -> leaderIndex() >= 0, "a metadata leader");
        return leaderIndex();
    }

    private int leaderIndex() {
        for (int i = 0; i < 3; i++) if (groups[i] != null && groups[i].isLeader() && groups[i].status().readyForWrites()) return i;
        return -1;
    }

    /** Proposes through whichever node leads, retrying redirects and leader changes like a client would. */
    private MetadataState.Result propose(MetadataCommand c) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return groups[leader()].propose(c).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                boolean retriable = e.getCause() instanceof BrokerException.Unavailable
                        || e.getCause() instanceof BrokerException.NotLeader;
                if (!retriable || System.nanoTime() > deadline) throw e;
            }
        }
    }

    @Test
    void electsALeaderAndEveryNodeAppliesTheSameTopics() throws Exception {
        startAll();
        MetadataState.Result r = propose(new MetadataCommand.CreateTopic("orders", 6, 3, null, null));
        assertThat(r.error()).isNull();
        assertThat(r.changed()).isTrue();
        for (MetadataGroup g : groups) {
            await(() -> g.state().topics().containsKey("orders"), "every node applies the topic");
        }
        assertThat(groups[0].state()).isEqualTo(groups[1].state()).isEqualTo(groups[2].state());
    }

    @Test
    void aFollowerRedirectsProposalsToTheLeaderUrl() throws Exception {
        startAll();
        int l = leader();
        int f = (l + 1) % 3;
        // The leader's URL comes from the replicated node list, which the first leader writes as its first entry.
        await(() -> groups[f].leaderId().isPresent() && groups[f].state().nodes().size() == 3,
                "the follower learns the leader and the node list");
        assertThatThrownBy(() -> groups[f].propose(new MetadataCommand.CreateTopic("x", 1, 1, null, null)).get())
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(BrokerException.NotLeader.class,
                        e -> assertThat(e.leaderUrl()).isEqualTo(nodes.get(l).httpUrl()));
    }

    @Test
    void theLeadersReadIndexCoversEveryAcknowledgedChangeAndAFollowerReachesIt() throws Exception {
        startAll();
        propose(new MetadataCommand.CreateTopic("seen", 1, 1, null, null));
        int l = leader();
        long acknowledged = groups[l].appliedIndex();
        long index = groups[l].readIndex().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        // Every change acknowledged before the read is at or below its index (that is what lets a
        // node that has not seen a topic yet decide after catching up to it).
        assertThat(index).isGreaterThanOrEqualTo(acknowledged);
        int f = (l + 1) % 3;
        await(() -> groups[f].appliedIndex() >= index, "the follower applies up to the read index");
        assertThat(groups[f].state().topics()).containsKey("seen");
        // Only the leader can say: a follower answers with the redirect a proposal would get.
        await(() -> groups[f].leaderId().isPresent(), "the follower knows the leader");
        assertThatThrownBy(() -> groups[f].readIndex().get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(BrokerException.NotLeader.class);
    }

    @Test
    void aRestartedNodeReplaysItsLogAndCatchesUp() throws Exception {
        startAll();
        propose(new MetadataCommand.CreateTopic("a", 1, 1, null, null));
        int f = (leader() + 1) % 3;
        await(() -> groups[f].state().topics().containsKey("a"), "follower applies a");
        routers.get(f).unregister(0);
        groups[f].close();
        groups[f] = null;
        propose(new MetadataCommand.CreateTopic("b", 2, 2, null, null));
        int l2 = leader();
        groups[f] = startGroup(f);
        await(() -> groups[f].state().topics().containsKey("b"), () -> "restarted follower catches up: " + groups[f].status()
                + " / leader " + groups[l2].status());
        assertThat(groups[f].state().topics().keySet()).containsExactly("a", "b");
    }
}
