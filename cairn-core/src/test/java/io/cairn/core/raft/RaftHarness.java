package io.cairn.core.raft;

import io.cairn.core.GroupId;
import io.cairn.core.Invariants;
import io.cairn.core.NodeId;
import io.cairn.core.raft.RaftMessage.AppendRequest;
import io.cairn.core.raft.RaftMessage.AppendResponse;
import io.cairn.core.raft.RaftMessage.Heartbeat;
import io.cairn.core.raft.RaftMessage.HeartbeatResponse;
import io.cairn.core.raft.RaftMessage.InstallSnapshot;
import io.cairn.core.raft.RaftMessage.TimeoutNow;
import io.cairn.core.raft.RaftMessage.VoteRequest;
import io.cairn.core.raft.RaftMessage.VoteResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A tiny in-memory cluster for unit and scenario tests: real {@link RaftNode}s, a driver that
 * follows the documented Ready order over {@link MemoryStorage}, a FIFO network with partitions,
 * crash and restart. Everything is deterministic (seeded timeouts, ordered maps). The simulator in
 * {@code cairn-sim} is the hostile version; this one is for readable traces.
 */
final class RaftHarness {
    static final GroupId GROUP = GroupId.of(1);

    final class Member {
        final NodeId id;
        final MemoryStorage storage;
        RaftNode node;
        boolean crashed;
        int incarnation;
        /** The application's state: applied NORMAL entries as strings. */
        final List<String> applied = new ArrayList<>();
        final List<ReadState> reads = new ArrayList<>();
        String lastState = "";
        long lastCommit;

        Member(NodeId id, Membership bootstrap) {
            this.id = id;
            this.storage = new MemoryStorage(bootstrap);
            start();
        }

        void start() {
            node = new RaftNode(configFor(id), storage, RandomSource.seeded(seed * 31 + id.value().hashCode() * 7L + incarnation));
            incarnation++;
            applied.clear();
            restoreApp(storage.snapshot().data());
            lastState = stateLine();
            lastCommit = node.commitIndex();
        }

        void restoreApp(byte[] data) {
            applied.clear();
            String s = new String(data, StandardCharsets.UTF_8);
            if (!s.isEmpty()) {
                applied.addAll(List.of(s.split(",")));
            }
        }

        String stateLine() {
            return node.role() + " term=" + node.term() + " leader=" + node.leader().map(NodeId::toString).orElse("-");
        }
    }

    private final long seed;
    private final UnaryOperator<RaftConfig> tweak;
    final Membership bootstrap;
    final Map<NodeId, Member> members = new TreeMap<>();
    final List<RaftMessage> network = new ArrayList<>();
    private final List<Set<NodeId>> partitions = new ArrayList<>();
    final StringBuilder trace = new StringBuilder();
    boolean traceMessages = true;

    RaftHarness(List<String> ids, long seed, UnaryOperator<RaftConfig> tweak) {
        this.seed = seed;
        this.tweak = tweak;
        List<NodeId> nodeIds = ids.stream().map(NodeId::of).toList();
        this.bootstrap = new Membership(new HashSet<>(nodeIds), Set.of());
        for (NodeId id : nodeIds) {
            members.put(id, new Member(id, bootstrap));
        }
    }

    RaftHarness(String... ids) {
        this(List.of(ids), 1, c -> c);
    }

    RaftConfig configFor(NodeId id) {
        return tweak.apply(RaftConfig.defaults(GROUP, id));
    }

    Member m(String id) {
        Member m = members.get(NodeId.of(id));
        if (m == null) throw new IllegalArgumentException("no node " + id);
        return m;
    }

    RaftNode node(String id) {
        return m(id).node;
    }

    /**
     * Adds a fresh node that is not yet a member. It starts with an empty membership, like a new
     * server would, and learns the real one from the log (no-ops carry it) or a snapshot.
     */
    Member addNode(String id) {
        NodeId nid = NodeId.of(id);
        Invariants.check(!members.containsKey(nid), "node %s exists", id);
        Member m = new Member(nid, new Membership(Set.of(), Set.of()));
        members.put(nid, m);
        return m;
    }

    // ---- driver ----

    /** Runs the driver loop for one node until it has nothing ready, in the documented order. */
    void process(Member m) {
        if (m.crashed) return;
        int rounds = 0;
        while (m.node.hasReady()) {
            Invariants.check(++rounds < 1000, "node %s never quiesces", m.id);
            Ready rd = m.node.ready();
            network.addAll(rd.messages());
            rd.snapshot().ifPresent(s -> {
                m.storage.installSnapshot(s);
                m.restoreApp(s.data());
                note(m.id + " installed " + s);
            });
            if (rd.truncateFromIndex() != 0) {
                m.storage.truncateSuffix(rd.truncateFromIndex());
                note(m.id + " truncated log from " + rd.truncateFromIndex());
            }
            m.storage.append(rd.entries());
            rd.hardState().ifPresent(m.storage::setHardState);
            for (Entry e : rd.committedEntries()) {
                if (e.type() == EntryType.NORMAL) {
                    m.applied.add(new String(e.data(), StandardCharsets.UTF_8));
                } else if (e.type() == EntryType.CONFIG_CHANGE) {
                    ConfigChange c = ConfigChange.decode(e.data());
                    note(m.id + " applied " + e.index() + "/" + e.term() + " " + c.type() + " " + c.node());
                }
            }
            m.reads.addAll(rd.readStates());
            for (ReadState r : rd.readStates()) {
                note(m.id + " read " + r.context() + " ready at index " + r.index());
            }
            m.node.advance(rd);
            // Everything above is durable at once in MemoryStorage, so these may go now.
            network.addAll(rd.messagesAfterPersist());
            rd.snapshot().ifPresent(s -> m.node.snapshotApplied(s.metadata()));
            if (!rd.entries().isEmpty()) {
                Entry last = rd.entries().get(rd.entries().size() - 1);
                m.node.persisted(last.index(), last.term());
            }
        }
        observe(m);
    }

    private void observe(Member m) {
        String state = m.stateLine();
        if (!state.equals(m.lastState)) {
            note(m.id + " " + state);
            m.lastState = state;
        }
        if (m.node.commitIndex() != m.lastCommit) {
            note(m.id + " commit=" + m.node.commitIndex() + " applied=" + String.join(",", m.applied));
            m.lastCommit = m.node.commitIndex();
        }
    }

    void processAll() {
        for (Member m : members.values()) process(m);
    }

    void tick(String id, int times) {
        Member m = m(id);
        for (int i = 0; i < times; i++) {
            if (m.crashed) return;
            m.node.tick();
            process(m);
        }
    }

    void tickAll(int times) {
        for (int i = 0; i < times; i++) {
            for (Member m : members.values()) {
                if (!m.crashed) {
                    m.node.tick();
                    process(m);
                }
            }
        }
    }

    /** Delivers every message queued now (not those produced while delivering); returns how many. */
    int deliver() {
        List<RaftMessage> batch = new ArrayList<>(network);
        network.clear();
        int delivered = 0;
        for (RaftMessage msg : batch) {
            Member to = members.get(msg.to());
            if (to == null || to.crashed || !connected(msg.from(), msg.to())) {
                if (traceMessages) note("dropped " + format(msg));
                continue;
            }
            if (traceMessages) note(format(msg));
            to.node.step(msg);
            process(to);
            delivered++;
        }
        return delivered;
    }

    /** Delivers until the network is quiet (bounded). */
    void stabilize() {
        for (int round = 0; !network.isEmpty(); round++) {
            Invariants.check(round < 200, "network never quiesces");
            deliver();
        }
    }

    void partition(List<Set<NodeId>> groups) {
        partitions.clear();
        partitions.addAll(groups);
    }

    void heal() {
        partitions.clear();
    }

    boolean connected(NodeId a, NodeId b) {
        if (partitions.isEmpty()) return true;
        for (Set<NodeId> g : partitions) {
            if (g.contains(a)) return g.contains(b);
        }
        return false;
    }

    void crash(String id) {
        Member m = m(id);
        m.crashed = true;
        network.removeIf(msg -> msg.from().equals(m.id));
        note(id + " crashed");
    }

    void restart(String id) {
        Member m = m(id);
        m.crashed = false;
        m.start();
        note(id + " restarted " + m.stateLine() + " commit=" + m.node.commitIndex());
        process(m);
    }

    /** Leader election helper for unit tests: campaign, then deliver until quiet. */
    RaftNode elect(String id) {
        node(id).campaign();
        process(m(id));
        stabilize();
        Invariants.check(node(id).role() == Role.LEADER, "%s did not become leader: %s", id, node(id).status());
        return node(id);
    }

    ProposeResult propose(String id, String data) {
        ProposeResult r = node(id).propose(EntryType.NORMAL, data.getBytes(StandardCharsets.UTF_8));
        process(m(id));
        return r;
    }

    void note(String line) {
        trace.append(line).append('\n');
    }

    String takeTrace() {
        String s = trace.toString();
        trace.setLength(0);
        return s;
    }

    // ---- formatting ----

    static String format(RaftMessage msg) {
        String head = msg.from() + "->" + msg.to() + " ";
        return head + switch (msg) {
            case VoteRequest v -> (v.preVote() ? "PreVote" : "Vote") + " t" + v.term() + " last=" + v.lastLogIndex() + "/" + v.lastLogTerm()
                    + (v.transfer() ? " transfer" : "");
            case VoteResponse r -> (r.preVote() ? "PreVoteResp" : "VoteResp") + " t" + r.term() + (r.granted() ? " granted" : " rejected");
            case AppendRequest a -> "App t" + a.term() + " prev=" + a.prevLogIndex() + "/" + a.prevLogTerm() + " "
                    + formatEntries(a.entries()) + " commit=" + a.commit();
            case AppendResponse r -> "AppResp t" + r.term() + (r.success() ? " ok index=" + r.index()
                    : " reject index=" + r.index() + " hint=" + r.hintIndex() + "/" + r.hintTerm());
            case Heartbeat h -> "Heartbeat t" + h.term() + " commit=" + h.commit() + (h.readRound() > 0 ? " round=" + h.readRound() : "");
            case HeartbeatResponse r -> "HeartbeatResp t" + r.term() + (r.readRound() > 0 ? " round=" + r.readRound() : "");
            case InstallSnapshot s -> "Snapshot t" + s.term() + " " + s.snapshot().index() + "/" + s.snapshot().term()
                    + " " + s.snapshot().metadata().membership();
            case TimeoutNow t -> "TimeoutNow t" + t.term() + " commit=" + t.commit();
        };
    }

    static String formatEntries(List<Entry> entries) {
        List<String> parts = new ArrayList<>();
        for (Entry e : entries) parts.add(formatEntry(e));
        return "[" + String.join(" ", parts) + "]";
    }

    static String formatEntry(Entry e) {
        String body = switch (e.type()) {
            case NORMAL -> new String(e.data(), StandardCharsets.UTF_8);
            case NOOP -> "noop";
            case CONFIG_CHANGE -> {
                ConfigChange c = ConfigChange.decode(e.data());
                yield c.type() + ":" + c.node();
            }
        };
        return e.index() + "/" + e.term() + ":" + body;
    }

    String statusLine(Member m) {
        if (m.crashed) return m.id + " crashed";
        RaftStatus s = m.node.status();
        return s.self() + " " + s.role() + " term=" + s.term() + " leader=" + s.leader().map(NodeId::toString).orElse("-")
                + " commit=" + s.commitIndex() + " applied=" + s.appliedIndex() + " last=" + s.lastIndex() + "/" + s.lastTerm()
                + " first=" + s.firstIndex() + " " + s.membership() + (s.readyForWrites() ? " ready" : "");
    }

    String logLine(Member m) {
        List<String> parts = new ArrayList<>();
        Snapshot snap = m.storage.snapshot();
        if (snap.index() > 0) parts.add("snap@" + snap.index() + "/" + snap.term());
        for (Entry e : m.storage.allEntries()) parts.add(formatEntry(e));
        return m.id + " log: " + String.join(" ", parts);
    }

    Map<NodeId, List<String>> appliedByNode() {
        Map<NodeId, List<String>> out = new LinkedHashMap<>();
        members.forEach((k, v) -> out.put(k, List.copyOf(v.applied)));
        return out;
    }
}
