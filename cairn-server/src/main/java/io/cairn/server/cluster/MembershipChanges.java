package io.cairn.server.cluster;

import io.cairn.core.NodeId;
import io.cairn.core.raft.ConfigChange;
import io.cairn.core.raft.PeerProgress;
import io.cairn.core.raft.RaftStatus;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.ClusterView;
import io.cairn.server.cluster.metadata.MetadataCommand;
import io.cairn.server.cluster.metadata.MetadataGroup;
import io.cairn.server.cluster.metadata.MetadataState;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Adding and removing nodes, one change at a time (Raft dissertation §4.1): a new node becomes a
 * learner of the metadata group, catches up, and is promoted to voter; a node is removed from the
 * metadata group and forgotten. Both run on the metadata leader (others answer 307 to it).
 *
 * <p>A node that holds partition replicas is removed in the background by {@link NodeRemoval},
 * which moves the replicas first.
 */
final class MembershipChanges {
    private MembershipChanges() {}

    /** How long a new learner may take to catch up before the add answers 504. */
    static final long CATCH_UP_TIMEOUT_MS = 30_000;

    private static final AtomicBoolean inProgress = new AtomicBoolean();

    static CompletableFuture<Void> addNode(MetadataGroup metadata, ClusterBroker broker, String id, String peerAddress,
                                           String httpUrl) {
        String host;
        int port;
        try {
            int colon = peerAddress.lastIndexOf(':');
            if (colon <= 0) throw new IllegalArgumentException();
            host = peerAddress.substring(0, colon);
            port = Integer.parseInt(peerAddress.substring(colon + 1));
            if (port < 1 || port > 65535) throw new IllegalArgumentException();
            NodeId.of(id);
            URI u = URI.create(httpUrl);
            if (u.getHost() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                throw new IllegalArgumentException();
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new BrokerException.BadRequest("invalid_node",
                    "need id [A-Za-z0-9._-]{1,64}, peer_address host:port and an http:// URL"));
        }
        if (!metadata.isLeader()) return metadata.requireLeader();
        if (metadata.state().nodes().containsKey(id) && isVoter(metadata, id)) {
            return CompletableFuture.completedFuture(null); // already a member: adding again is a no-op
        }
        if (!metadata.state().draining().isEmpty()) {
            return CompletableFuture.failedFuture(new BrokerException.Conflict("change_in_progress", "node "
                    + metadata.state().draining().first() + " is being removed; add the node when that is done"));
        }
        if (!inProgress.compareAndSet(false, true)) {
            return CompletableFuture.failedFuture(new BrokerException.Conflict("change_in_progress",
                    "another membership change is in progress; retry when it is done"));
        }
        NodeId node = NodeId.of(id);
        CompletableFuture<Void> f = metadata.propose(new MetadataCommand.AddNode(id, host, port, httpUrl))
                .thenCompose(r -> {
                    if (r.error() != null) throw new BrokerException.Conflict(r.error(), r.message());
                    return isMember(metadata, id) ? CompletableFuture.completedFuture(null)
                            : metadata.changeMembership(new ConfigChange(ConfigChange.Type.ADD_LEARNER, node));
                })
                .thenCompose(v -> awaitCaughtUp(metadata, node))
                .thenCompose(v -> isVoter(metadata, id) ? CompletableFuture.completedFuture(null)
                        : metadata.changeMembership(new ConfigChange(ConfigChange.Type.PROMOTE_VOTER, node)));
        return f.whenComplete((v, t) -> inProgress.set(false));
    }

    /**
     * Removes node {@code id}. A node holding no replica leaves at once (answer {@code DONE}); one
     * holding replicas is marked for removal ({@link MetadataCommand.DrainNode}) and {@link
     * NodeRemoval} moves its replicas away and then removes it (answer {@code STARTED}: poll
     * {@code GET /cluster}). Asking again while that runs answers {@code STARTED} again.
     */
    static CompletableFuture<ClusterView.Removal> removeNode(MetadataGroup metadata, NodeRemoval removal, NodeId self,
                                                             String id) {
        // Checked on the leader, whose state is the freshest: a follower may not have applied a
        // topic deletion that the leader already acknowledged.
        if (!metadata.isLeader()) {
            // requireLeader fails with the 307 to the leader (or 503); should this node have just
            // become leader instead, the client's retry lands here again.
            return metadata.requireLeader().thenApply(v -> {
                throw new BrokerException.Unavailable("leader_changing", "the metadata leadership is changing; retry", 200);
            });
        }
        MetadataState s = metadata.state();
        if (!s.nodes().containsKey(id)) {
            return CompletableFuture.failedFuture(new BrokerException.NotFound("node_not_found", "no node " + id));
        }
        if (s.draining().contains(id)) return CompletableFuture.completedFuture(ClusterView.Removal.STARTED);
        if (!s.draining().isEmpty()) {
            return CompletableFuture.failedFuture(new BrokerException.Conflict("change_in_progress", "node "
                    + s.draining().first() + " is being removed; remove one node at a time (see GET /cluster)"));
        }
        if (!s.partitionsOn(id).isEmpty()) {
            if (inProgress.get()) {
                return CompletableFuture.failedFuture(new BrokerException.Conflict("change_in_progress",
                        "another membership change is in progress; retry when it is done"));
            }
            return metadata.propose(new MetadataCommand.DrainNode(id)).thenApply(r -> {
                if (r.error() != null) {
                    throw r.error().equals("node_not_found") ? new BrokerException.NotFound(r.error(), r.message())
                            : new BrokerException.Conflict(r.error(), r.message());
                }
                removal.kick();
                return ClusterView.Removal.STARTED;
            });
        }
        if (!inProgress.compareAndSet(false, true)) {
            return CompletableFuture.failedFuture(new BrokerException.Conflict("change_in_progress",
                    "another membership change is in progress; retry when it is done"));
        }
        CompletableFuture<Void> f;
        if (id.equals(self.value())) {
            // Removing the leader: hand leadership off first, then the new leader does the removal.
            RaftStatus st = metadata.status();
            NodeId target = st.progress().stream().filter(p -> p.voter() && !p.node().equals(self))
                    .max(java.util.Comparator.comparingLong(PeerProgress::matchIndex)).map(PeerProgress::node).orElse(null);
            if (target == null) {
                inProgress.set(false);
                return CompletableFuture.failedFuture(new BrokerException.Conflict("last_node", "cannot remove the last node"));
            }
            f = metadata.transferLeadership(target).thenCompose(v -> {
                throw new BrokerException.NotLeader(target.value(), metadata.state().nodes().get(target.value()).httpUrl());
            });
        } else {
            f = (isMember(metadata, id)
                    ? metadata.changeMembership(new ConfigChange(ConfigChange.Type.REMOVE_NODE, NodeId.of(id)))
                    : CompletableFuture.<Void>completedFuture(null))
                    .thenCompose(v -> metadata.propose(new MetadataCommand.RemoveNode(id)))
                    .thenAccept(r -> {
                        if (r.error() != null) throw new BrokerException.Conflict(r.error(), r.message());
                    });
        }
        return f.whenComplete((v, t) -> inProgress.set(false)).thenApply(v -> ClusterView.Removal.DONE);
    }

    private static boolean isMember(MetadataGroup m, String id) {
        RaftStatus s = m.status();
        return s != null && s.membership().contains(NodeId.of(id));
    }

    private static boolean isVoter(MetadataGroup m, String id) {
        RaftStatus s = m.status();
        return s != null && s.membership().isVoter(NodeId.of(id));
    }

    private static CompletableFuture<Void> awaitCaughtUp(MetadataGroup metadata, NodeId node) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_TIMEOUT_MS);
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            RaftStatus s = metadata.status();
            boolean caughtUp = s != null && s.progress().stream()
                    .anyMatch(p -> p.node().equals(node) && p.matchIndex() >= s.commitIndex());
            if (caughtUp) {
                f.complete(null);
            } else if (System.nanoTime() > deadline) {
                f.completeExceptionally(new BrokerException.OutcomeUnknown("node " + node + " did not catch up within "
                        + CATCH_UP_TIMEOUT_MS + " ms; it stays a learner (was it started with --join?)"));
            } else {
                CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS).execute(check[0]);
            }
        };
        check[0].run();
        return f;
    }
}
