package io.cairn.sim;

import io.cairn.core.Invariants;

/**
 * A seeded, hostile network between the nodes of one simulated cluster.
 *
 * <p>Every message independently may be dropped, duplicated, and delayed by a random amount;
 * independent delays are what reorder messages. Links can be cut one way ({@code a -> b}
 * blocked while {@code b -> a} works), which models asymmetric partitions that a symmetric
 * model would never produce. A cut is checked both when a message is sent and when it would be
 * delivered, so messages already in flight when a partition starts are lost too.
 *
 * <p>Nodes are numbered {@code 0..nodes-1}; the cluster maps them to the core's ids.
 *
 * @param <M> the message type, delivered as the same (immutable) object, twice if duplicated
 */
public final class SimNetwork<M> {
    /**
     * Bound on messages in flight at once. Beyond it new messages are dropped and counted,
     * as a congested real network would; the core must tolerate loss anyway.
     */
    public static final int MESSAGES_IN_FLIGHT_MAX = 100_000;

    /** Receives a message at its delivery time. */
    @FunctionalInterface
    public interface Receiver<M> {
        void deliver(int from, int to, M message);
    }

    /** The fault knobs; all zero means a perfect network with {@code delayMinUs} latency. */
    public static final class Faults {
        public int dropPerMille;
        public int duplicatePerMille;
        public long delayMinUs;
        public long delayMaxUs;
        /** Chance of a much longer delay, up to {@link #slowDelayMaxUs}: a stuck packet. */
        public int slowPerMille;
        public long slowDelayMaxUs;
    }

    private final int nodes;
    private final Scheduler scheduler;
    private final SimRandom random;
    private final Receiver<M> receiver;
    private final boolean[][] blocked;
    private final Faults faults = new Faults();
    private int inFlight;
    private long sent;
    private long delivered;
    private long dropped;
    private long duplicated;
    /** Deliveries that overtook a message sent earlier on the same link (what the delays are for). */
    private long reordered;
    /** Per message, in send order; a duplicate shares its original's number. */
    private long sendSeq;
    /** Per link {@code [from][to]}: the highest send number delivered so far, to count reorderings. */
    private final long[][] lastDeliveredSeq;

    public SimNetwork(int nodes, Scheduler scheduler, SimRandom random, Receiver<M> receiver) {
        this.nodes = nodes;
        this.scheduler = scheduler;
        this.random = random;
        this.receiver = receiver;
        this.blocked = new boolean[nodes][nodes];
        this.lastDeliveredSeq = new long[nodes][nodes];
    }

    public Faults faults() {
        return faults;
    }

    /** Sends {@code message}; the network decides whether, when and how often it arrives. */
    public void send(int from, int to, M message) {
        checkNode(from);
        checkNode(to);
        sent++;
        if (from == to) {
            // A node never talks to itself over the network; the core must not ask it to.
            throw Invariants.fail("node %s sent a message to itself: %s", from, message);
        }
        if (blocked[from][to] || random.chancePerMille(faults.dropPerMille) || inFlight >= MESSAGES_IN_FLIGHT_MAX) {
            dropped++;
            return;
        }
        long seq = ++sendSeq;
        schedule(from, to, message, seq);
        if (random.chancePerMille(faults.duplicatePerMille)) {
            duplicated++;
            schedule(from, to, message, seq);
        }
    }

    private void schedule(int from, int to, M message, long seq) {
        long delayUs = random.chancePerMille(faults.slowPerMille)
                ? random.between(faults.delayMinUs, Math.max(faults.delayMinUs, faults.slowDelayMaxUs))
                : random.between(faults.delayMinUs, Math.max(faults.delayMinUs, faults.delayMaxUs));
        inFlight++;
        scheduler.after(delayUs, () -> {
            inFlight--;
            if (blocked[from][to]) {
                dropped++;
                return;
            }
            delivered++;
            if (seq < lastDeliveredSeq[from][to]) {
                reordered++;
            } else {
                lastDeliveredSeq[from][to] = seq;
            }
            receiver.deliver(from, to, message);
        });
    }

    /** Cuts (or restores) the one-way link {@code from -> to}. */
    public void setBlocked(int from, int to, boolean isBlocked) {
        checkNode(from);
        checkNode(to);
        blocked[from][to] = isBlocked;
    }

    public boolean isBlocked(int from, int to) {
        return blocked[from][to];
    }

    /** Cuts every link between {@code side} and the rest, both ways. */
    public void isolate(int node) {
        for (int other = 0; other < nodes; other++) {
            if (other != node) {
                blocked[node][other] = true;
                blocked[other][node] = true;
            }
        }
    }

    /** Restores every link and removes loss, duplication and slow packets; latency stays. */
    public void heal() {
        for (boolean[] row : blocked) {
            java.util.Arrays.fill(row, false);
        }
        faults.dropPerMille = 0;
        faults.duplicatePerMille = 0;
        faults.slowPerMille = 0;
    }

    public boolean isFullyConnected() {
        for (int a = 0; a < nodes; a++) {
            for (int b = 0; b < nodes; b++) {
                if (blocked[a][b]) {
                    return false;
                }
            }
        }
        return true;
    }

    public int inFlight() {
        return inFlight;
    }

    public String stats() {
        return "sent=" + sent + " delivered=" + delivered + " dropped=" + dropped + " duplicated=" + duplicated;
    }

    public long sent() {
        return sent;
    }

    public long delivered() {
        return delivered;
    }

    /** Messages lost: dropped at random, sent into a cut link, cut while in flight, or over the in-flight bound. */
    public long dropped() {
        return dropped;
    }

    public long duplicated() {
        return duplicated;
    }

    /** Deliveries that arrived after a later-sent message on the same link had already arrived. */
    public long reordered() {
        return reordered;
    }

    private void checkNode(int node) {
        Invariants.check(node >= 0 && node < nodes, "no such node %s (cluster of %s)", node, nodes);
    }
}
