package io.cairn.chaos.nemesis;

import io.cairn.chaos.cluster.LocalCluster;
import io.cairn.chaos.cluster.SegmentCorruptor;
import io.cairn.chaos.history.FinalRead;
import io.cairn.chaos.history.History;
import io.cairn.chaos.workload.FinalReader;
import io.cairn.chaos.proxy.ProxyMesh;
import io.cairn.client.CairnClient;
import io.cairn.client.CairnClientConfig;
import io.cairn.client.CairnException;
import io.cairn.client.ClusterInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Applies one fault at a time: inject, hold for a seeded time, heal, leave a quiet gap, repeat,
 * until {@link #stop()}. Every window is recorded in the history with its targets, so the checker
 * and the report can line failures up with what was done.
 */
public final class Nemesis {
    /** How long a fault is held, and the quiet time between faults (ms, seeded uniform in range). */
    public record Timing(long holdMinMs, long holdMaxMs, long quietMinMs, long quietMaxMs) {
        public static Timing defaults() {
            return new Timing(2_000, 8_000, 2_000, 5_000);
        }
    }

    /** Bound on waiting for restarted nodes to report ready before the schedule moves on. */
    static final long READY_WAIT_MAX_MS = 30_000;

    private final LocalCluster cluster;
    private final History history;
    private final List<FaultKind> kinds;
    private final Random random;
    private final Timing timing;
    private final String topic;
    private final int partitions;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private Thread thread;

    public Nemesis(LocalCluster cluster, History history, Set<FaultKind> faults, long seed, Timing timing, String topic, int partitions) {
        this.cluster = cluster;
        this.history = history;
        List<FaultKind> usable = new ArrayList<>();
        for (FaultKind k : FaultKind.values()) {
            if (faults.contains(k) && !(k.needsPeers() && cluster.mesh() == null)) {
                usable.add(k);
            }
        }
        if (usable.contains(FaultKind.POWERLOSS) && !cluster.lossy()) {
            throw new IllegalStateException("the powerloss fault needs the nodes' data directories on the power-loss filesystem");
        }
        this.kinds = List.copyOf(usable);
        this.random = new Random(seed);
        this.timing = timing;
        this.topic = topic;
        this.partitions = partitions;
    }

    public List<FaultKind> kinds() {
        return kinds;
    }

    /** Human-readable lines of what was done, in order. */
    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    public void start() {
        thread = Thread.ofPlatform().name("chaos-nemesis").start(this::loop);
    }

    /** Stops after the current fault is healed; waits for that. */
    public void stop() throws InterruptedException {
        running.set(false);
        if (thread != null) {
            thread.interrupt();
            thread.join(60_000);
        }
    }

    private void loop() {
        if (kinds.isEmpty()) {
            return;
        }
        // Let the workload get going before the first fault.
        if (!pauseFor(between(timing.quietMinMs(), timing.quietMaxMs()))) {
            return;
        }
        while (running.get()) {
            FaultKind k = kinds.get(random.nextInt(kinds.size()));
            try {
                apply(k);
            } catch (RuntimeException | IOException e) {
                note("fault " + k.wire() + " failed to apply: " + e);
            }
            reviveExited();
            if (!pauseFor(between(timing.quietMinMs(), timing.quietMaxMs()))) {
                return;
            }
        }
    }

    private long between(long lo, long hi) {
        return hi <= lo ? lo : lo + (long) (random.nextDouble() * (hi - lo));
    }

    /**
     * Waits {@code ms}; returns false when asked to stop. A fault in progress is still healed by
     * its caller, because {@link #hold} ignores the stop request until the heal has run.
     */
    private boolean pauseFor(long ms) {
        long deadline = System.nanoTime() + ms * 1_000_000L;
        while (running.get()) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return true;
            }
            try {
                Thread.sleep(Math.min(left, 100));
            } catch (InterruptedException e) {
                return false;
            }
        }
        return false;
    }

    /** Holds a fault for a seeded time, cut short by stop; never throws, so the heal always runs. */
    private void hold() {
        pauseFor(between(timing.holdMinMs(), timing.holdMaxMs()));
    }

    private void note(String s) {
        log.add(String.format("%8.1fs %s", history.nowUs() / 1e6, s));
    }

    private List<String> running() {
        List<String> out = new ArrayList<>();
        for (String id : cluster.ids()) {
            if (cluster.state(id) == LocalCluster.State.RUNNING) {
                out.add(id);
            }
        }
        return out;
    }

    /** The leader of a random partition (or the metadata leader) as some running node reports it; null if unknown. */
    String findLeader() {
        for (String id : running()) {
            try {
                ClusterInfo info = new CairnClient(CairnClientConfig.builder().node(cluster.spec(id).httpUrl()).failover(false)
                        .requestTimeout(Duration.ofSeconds(1)).totalTimeout(Duration.ofSeconds(2)).attemptsMax(1).build()).cluster();
                String leader = info.partitionLeader(topic, random.nextInt(Math.max(1, partitions)));
                if (leader == null) {
                    leader = info.metadataLeader();
                }
                if (leader != null && cluster.ids().contains(leader)) {
                    return leader;
                }
            } catch (CairnException e) {
                // That node cannot answer right now; ask another.
            }
        }
        return null;
    }

    /** Half the time the leader (when one can be found), otherwise any running node. */
    private String pickTarget() {
        List<String> alive = running();
        if (alive.isEmpty()) {
            return null;
        }
        if (random.nextBoolean()) {
            String leader = findLeader();
            if (leader != null && alive.contains(leader)) {
                return leader;
            }
        }
        return alive.get(random.nextInt(alive.size()));
    }

    private void apply(FaultKind k) throws IOException {
        switch (k) {
            case KILL -> kill();
            case PAUSE -> pause();
            case PARTITION -> partition();
            case DELAY -> delay();
            case CORRUPT -> corrupt();
            case POWERLOSS -> powerloss();
        }
    }

    private void kill() {
        int n = cluster.ids().size();
        boolean majority = n >= 3 && random.nextInt(4) == 0;
        List<String> targets = new ArrayList<>();
        if (majority) {
            List<String> shuffled = new ArrayList<>(cluster.ids());
            Collections.shuffle(shuffled, random);
            targets.addAll(shuffled.subList(0, n / 2 + 1));
        } else {
            String t = pickTarget();
            if (t == null) {
                return;
            }
            targets.add(t);
        }
        String kind = majority ? "kill-majority" : "kill";
        long id = history.faultStarted(kind, targets, "SIGKILL");
        targets.forEach(cluster::kill);
        note(kind + " " + targets);
        hold();
        List<String> order = new ArrayList<>(targets);
        Collections.shuffle(order, random);
        for (String t : order) {
            cluster.start(t);
        }
        String ready = awaitReady(order);
        history.faultHealed(id, "restarted in order " + order + "; " + ready);
        note("restarted " + order + "; " + ready);
    }

    /**
     * Power loss: one node (half the time the leader), a majority, every node at once (a rack
     * losing power), or every node but the leader while the leader is isolated from them; each
     * target SIGKILLed and its unsynced writes dropped at the same instant; restarted in seeded
     * random order after the hold. Only writes that were fsynced survive, so a node that
     * acknowledges before its fsync completes loses acknowledged records here.
     */
    private void powerloss() {
        List<String> ids = cluster.ids();
        int n = ids.size();
        int shape = n == 1 ? 0 : random.nextInt(cluster.mesh() != null && n >= 3 ? 4 : 3);
        List<String> targets = new ArrayList<>();
        String kind;
        String isolated = null;
        if (shape == 3) {
            isolated = findLeader();
            if (isolated == null) {
                shape = 1;
            }
        }
        if (shape == 3) {
            // The leader's rack loses its network while every other rack loses power: the survivors
            // must elect among themselves from what they had fsynced, and the old leader's copy cannot help.
            for (String id : ids) {
                if (!id.equals(isolated)) {
                    targets.add(id);
                }
            }
            kind = "powerloss-followers";
        } else if (shape == 0) {
            String t = pickTarget();
            if (t == null) {
                return;
            }
            targets.add(t);
            kind = "powerloss";
        } else if (shape == 1) {
            List<String> shuffled = new ArrayList<>(ids);
            Collections.shuffle(shuffled, random);
            targets.addAll(shuffled.subList(0, n / 2 + 1));
            kind = "powerloss-majority";
        } else {
            targets.addAll(ids);
            kind = "powerloss-all";
        }
        long id = history.faultStarted(kind, targets, "SIGKILL and drop every write not yet fsynced"
                + (isolated == null ? "" : "; leader " + isolated + " isolated until the others are back and elected"));
        Map<String, String> cut = cluster.powerCut(targets);
        if (isolated != null) {
            // Isolated right after the cut, not before: the frozen followers can acknowledge nothing
            // more meanwhile, while isolating first would give their running fsyncs time to finish.
            cluster.mesh().isolate(isolated);
        }
        note(kind + " " + targets + (isolated == null ? "" : " (leader " + isolated + " isolated)") + ": " + cut);
        hold();
        List<String> order = new ArrayList<>(targets);
        Collections.shuffle(order, random);
        for (String t : order) {
            cluster.start(t);
        }
        String ready = awaitReady(order);
        if (isolated != null) {
            hold(); // Time for the survivors to elect and take writes before the old leader is back.
            cluster.mesh().healAll();
            note("heal network around " + isolated);
        }
        history.faultHealed(id, "restarted in order " + order + "; " + ready + "; " + cut);
        note("power back on " + order + "; " + ready);
    }

    private void pause() {
        String t = pickTarget();
        if (t == null) {
            return;
        }
        long id = history.faultStarted("pause", List.of(t), "SIGSTOP");
        cluster.pause(t);
        note("pause " + t);
        hold();
        cluster.resume(t);
        history.faultHealed(id, "SIGCONT");
        note("resume " + t);
    }

    private void partition() {
        ProxyMesh mesh = cluster.mesh();
        List<String> ids = cluster.ids();
        int shape = random.nextInt(3);
        long id;
        if (shape == 0) {
            String leader = findLeader();
            String t = leader != null ? leader : ids.get(random.nextInt(ids.size()));
            id = history.faultStarted("partition-isolate", List.of(t), leader != null ? "isolate leader" : "isolate random node");
            mesh.isolate(t);
            note("isolate " + t);
        } else if (shape == 1) {
            List<String> shuffled = new ArrayList<>(ids);
            Collections.shuffle(shuffled, random);
            Set<String> minority = new HashSet<>(shuffled.subList(0, (ids.size() - 1) / 2 == 0 ? 1 : (ids.size() - 1) / 2));
            Set<String> majority = new HashSet<>(ids);
            majority.removeAll(minority);
            id = history.faultStarted("partition-split", List.copyOf(minority), "minority " + minority + " | majority " + majority);
            mesh.split(minority, majority);
            note("split " + minority + " | " + majority);
        } else {
            String from = ids.get(random.nextInt(ids.size()));
            String to;
            do {
                to = ids.get(random.nextInt(ids.size()));
            } while (to.equals(from));
            id = history.faultStarted("partition-oneway", List.of(from, to), from + " -/-> " + to);
            mesh.cutOneWay(from, to);
            note("one-way cut " + from + " -/-> " + to);
        }
        hold();
        mesh.healAll();
        history.faultHealed(id, "healed");
        note("heal network");
    }

    private void delay() {
        long d = between(20, 200);
        long j = between(0, 100);
        long id = history.faultStarted("delay", cluster.ids(), d + "ms ±" + j + "ms on every link");
        cluster.mesh().delayAll(d, j);
        note("delay " + d + "ms jitter " + j + "ms");
        hold();
        cluster.mesh().healAll();
        history.faultHealed(id, "healed");
        note("heal delay");
    }

    /**
     * Damaged replicas not yet seen repaired: partition directory (relative to the data dir, e.g.
     * {@code topics/chaos/1}) to the node holding the damage. Corruption is only ever added to a
     * partition whose other replicas are undamaged, so damage stays within a minority as promise 1
     * requires; a damaged replica counts as repaired once it serves its whole partition again.
     */
    private final Map<String, String> damaged = new java.util.HashMap<>();

    /**
     * Kills a node, flips bytes in one of its sealed segments, and restarts it. With peers it must
     * repair from them; alone it cannot, so after the node has shown what it does with the damage
     * the original bytes are put back (losing the only copy is outside the promises).
     */
    private void corrupt() throws IOException {
        forgetRepaired();
        List<String[]> candidates = new ArrayList<>();
        for (String id : running()) {
            Path data = cluster.spec(id).dataDir();
            for (Path f : SegmentCorruptor.sealedSegments(data)) {
                String pdir = data.relativize(f.getParent()).toString();
                String holder = damaged.get(pdir);
                if (holder == null || holder.equals(id)) {
                    candidates.add(new String[] {id, f.toString(), pdir});
                }
            }
        }
        String t;
        Path file = null;
        String pdir = null;
        if (candidates.isEmpty()) {
            t = pickTarget();
        } else {
            String[] c = candidates.get(random.nextInt(candidates.size()));
            t = c[0];
            file = Path.of(c[1]);
            pdir = c[2];
        }
        if (t == null) {
            return;
        }
        long id = history.faultStarted("corrupt", List.of(t), "SIGKILL, flip bytes in a sealed segment, restart");
        cluster.kill(t);
        List<SegmentCorruptor.Flip> flips = file == null ? List.of() : SegmentCorruptor.corruptFile(file, random, 3);
        String what = flips.isEmpty() ? "no sealed segment outside damaged partitions, nothing flipped"
                : "flipped " + flips.size() + " bytes in " + cluster.spec(t).dataDir().relativize(flips.get(0).file());
        if (!flips.isEmpty() && cluster.ids().size() > 1) {
            damaged.put(pdir, t);
        }
        note("corrupt " + t + ": " + what);
        cluster.start(t);
        String firstStart = awaitReady(List.of(t));
        hold();
        Map<String, Integer> exited = cluster.reapExited();
        String outcome = exited.containsKey(t) ? "node exited with code " + exited.get(t) + " after the damage" : "node kept running";
        if (cluster.ids().size() == 1 && !flips.isEmpty()) {
            cluster.kill(t);
            SegmentCorruptor.restore(flips);
            cluster.start(t);
            outcome += "; single node: original bytes restored and restarted, " + awaitReady(List.of(t));
        } else if (exited.containsKey(t)) {
            cluster.start(t);
            outcome += "; restarted, " + awaitReady(List.of(t));
        }
        outcome = "after the damage the node " + firstStart + "; " + outcome;
        history.faultHealed(id, what + "; " + outcome);
        note("corrupt " + t + " done: " + outcome);
    }

    /** Drops damage records of replicas that now serve their partition from offset 0 without error. */
    private void forgetRepaired() {
        for (Map.Entry<String, String> e : Map.copyOf(damaged).entrySet()) {
            String[] parts = e.getKey().split("/");
            if (parts.length != 3 || cluster.state(e.getValue()) != LocalCluster.State.RUNNING) {
                continue;
            }
            FinalRead r = FinalReader.read(cluster.directClient(e.getValue(), java.time.Duration.ofSeconds(3)), e.getValue(),
                    parts[1], Integer.parseInt(parts[2]));
            // An empty answer may be a replica still being rebuilt; only a full read from 0 shows the damage is gone.
            if (r.complete() && !r.records().isEmpty()) {
                damaged.remove(e.getKey());
                note("damage of " + e.getKey() + " on " + e.getValue() + " repaired (" + r.records().size() + " records served)");
            }
        }
    }

    /**
     * Waits (bounded by {@link #READY_WAIT_MAX_MS}) until restarted nodes answer {@code /ready}, so the
     * next fault does not land on a node that is still booting and the schedule does not decay into
     * permanent downtime. Returns how long that took, for the log and the fault's detail.
     */
    private String awaitReady(List<String> ids) {
        long start = System.nanoTime();
        List<String> late = new ArrayList<>();
        for (String id : ids) {
            long leftMs = READY_WAIT_MAX_MS - (System.nanoTime() - start) / 1_000_000;
            if (!cluster.awaitReady(id, java.time.Duration.ofMillis(Math.max(1, leftMs)))) {
                late.add(id);
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        return late.isEmpty() ? "ready after " + ms + " ms" : "NOT ready after " + ms + " ms: " + late;
    }

    /** Restarts nodes that died on their own (outside a fault window) and records that they did. */
    private void reviveExited() {
        for (Map.Entry<String, Integer> e : cluster.reapExited().entrySet()) {
            long id = history.faultStarted("unplanned-exit", List.of(e.getKey()), "node exited by itself with code " + e.getValue());
            note(e.getKey() + " exited by itself (code " + e.getValue() + "); log tail:\n" + cluster.logTail(e.getKey(), 5));
            cluster.start(e.getKey());
            history.faultHealed(id, "restarted");
        }
    }

    /** Undoes everything: resume paused nodes, heal links, start stopped nodes. */
    public void healAll() {
        for (String id : cluster.ids()) {
            cluster.resume(id);
        }
        if (cluster.mesh() != null) {
            cluster.mesh().healAll();
        }
        reviveExited();
        for (String id : cluster.ids()) {
            cluster.start(id);
        }
        note("final heal");
    }
}
