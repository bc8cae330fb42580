package io.cairn.core.raft;

import io.cairn.core.Invariants;
import io.cairn.core.NodeId;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden scenario tests in the style of etcd's datadriven tests: each file under
 * {@code src/test/resources/scenarios} is a script of commands, each followed by {@code ----} and
 * the expected trace. Regenerate with {@code -Dcairn.scenarios.rewrite=true} and review the diff.
 *
 * <p>Commands: {@code cluster n1 n2 n3 [prevote=false] [checkquorum=false] [election=10]
 * [heartbeat=1] [seed=1]}, {@code tick <node|all> [n]}, {@code campaign n}, {@code deliver},
 * {@code stabilize}, {@code run ticks} (tick all, then deliver until quiet, per tick),
 * {@code partition a b | c}, {@code heal}, {@code propose n data},
 * {@code crash n}, {@code restart n}, {@code add-node n}, {@code conf leader add-learner|promote|remove n},
 * {@code transfer leader target}, {@code compact n index}, {@code read n context},
 * {@code durability n index term}, {@code status [n..]}, {@code log [n..]}, {@code drop},
 * {@code messages on|off}, {@code applied [n..]}. The node name {@code leader} stands for the
 * live leader with the highest term.
 */
class RaftScenarioTest {
    private static final Path DIR = Path.of("src", "test", "resources", "scenarios");
    private static final boolean REWRITE = Boolean.getBoolean("cairn.scenarios.rewrite");

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertThat(files).as("scenario files in " + DIR.toAbsolutePath()).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f)));
    }

    private record Block(List<String> comments, String command, List<String> expected) {}

    private static List<Block> parse(List<String> lines, Path file) {
        List<Block> blocks = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            List<String> comments = new ArrayList<>();
            while (i < lines.size() && (lines.get(i).isBlank() || lines.get(i).startsWith("#"))) {
                if (!lines.get(i).isBlank()) comments.add(lines.get(i));
                i++;
            }
            if (i >= lines.size()) {
                if (!comments.isEmpty()) blocks.add(new Block(comments, null, List.of()));
                break;
            }
            String command = lines.get(i++);
            if (i >= lines.size() || !lines.get(i).equals("----")) {
                throw new IllegalArgumentException(file + ":" + i + ": expected ---- after '" + command + "'");
            }
            i++;
            List<String> expected = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).isEmpty()) {
                expected.add(lines.get(i++));
            }
            blocks.add(new Block(comments, command, expected));
        }
        return blocks;
    }

    private static void run(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Block> blocks = parse(lines, file);
        Runner runner = new Runner();
        StringBuilder rewritten = new StringBuilder();
        List<String> mismatches = new ArrayList<>();
        for (Block b : blocks) {
            for (String c : b.comments) rewritten.append(c).append('\n');
            if (b.command == null) break;
            List<String> actual;
            try {
                actual = runner.execute(b.command);
            } catch (Invariants.InvariantViolation e) {
                // A broken core invariant still fails the scenario, but with the blocks where the
                // trace had already left the golden file: that first divergence is usually the
                // cause (e.g. a commit counted too early), the violation only its late symptom.
                throw new AssertionError(file + ": '" + b.command + "' broke a core invariant: " + e.getMessage()
                        + (mismatches.isEmpty() ? " (the trace matched the golden file up to here)"
                                : "\nthe trace had already diverged from the golden file at:\n" + String.join("\n", mismatches)), e);
            } catch (RuntimeException e) {
                // A script mistake (no leader to name, unknown node) is part of the trace to
                // review, like datadriven's error output; a broken core invariant still fails.
                actual = List.of("error: " + e.getMessage());
            }
            rewritten.append(b.command).append('\n').append("----\n");
            for (String a : actual) rewritten.append(a).append('\n');
            rewritten.append('\n');
            if (!actual.equals(b.expected)) {
                mismatches.add(b.command + "\n  expected:\n    " + String.join("\n    ", b.expected)
                        + "\n  actual:\n    " + String.join("\n    ", actual));
            }
        }
        if (REWRITE) {
            String out = rewritten.toString().replaceAll("\n+$", "\n");
            Files.writeString(file, out, StandardCharsets.UTF_8);
            return;
        }
        assertThat(mismatches).as(file + " (rerun with -Dcairn.scenarios.rewrite=true and review the diff)").isEmpty();
    }

    /** Executes commands against a {@link RaftHarness}; output is the trace plus command results. */
    static final class Runner {
        private RaftHarness h;

        List<String> execute(String line) {
            String[] t = line.trim().split("\\s+");
            String cmd = t[0];
            String[] args = Arrays.copyOfRange(t, 1, t.length);
            for (int i = 0; i < args.length && h != null; i++) {
                if (args[i].equals("leader")) {
                    args[i] = currentLeader();
                }
            }
            List<String> out = new ArrayList<>();
            if (!cmd.equals("cluster") && h == null) {
                throw new IllegalArgumentException("first command must be 'cluster'");
            }
            switch (cmd) {
                case "cluster" -> h = cluster(args);
                case "tick" -> {
                    int n = args.length > 1 ? Integer.parseInt(args[1]) : 1;
                    if (args[0].equals("all")) h.tickAll(n);
                    else h.tick(args[0], n);
                }
                case "campaign" -> {
                    h.node(args[0]).campaign();
                    h.process(h.m(args[0]));
                }
                case "run" -> {
                    // Simulated time with a working network: each tick is followed by delivering
                    // everything until quiet (partitions still apply).
                    int n = Integer.parseInt(args[0]);
                    for (int i = 0; i < n; i++) {
                        h.tickAll(1);
                        h.stabilize();
                    }
                }
                case "deliver" -> h.deliver();
                case "stabilize" -> h.stabilize();
                case "partition" -> h.partition(groups(args));
                case "heal" -> h.heal();
                case "propose" -> out.add("propose " + args[0] + " " + args[1] + ": " + h.propose(args[0], args[1]));
                case "crash" -> h.crash(args[0]);
                case "restart" -> h.restart(args[0]);
                case "add-node" -> h.addNode(args[0]);
                case "conf" -> {
                    ConfigChange.Type type = switch (args[1]) {
                        case "add-learner" -> ConfigChange.Type.ADD_LEARNER;
                        case "promote" -> ConfigChange.Type.PROMOTE_VOTER;
                        case "remove" -> ConfigChange.Type.REMOVE_NODE;
                        default -> throw new IllegalArgumentException("conf " + args[1]);
                    };
                    ProposeResult r = h.node(args[0]).proposeConfigChange(new ConfigChange(type, NodeId.of(args[2])));
                    h.process(h.m(args[0]));
                    out.add("conf " + args[1] + " " + args[2] + ": " + r);
                }
                case "transfer" -> {
                    TransferResult r = h.node(args[0]).transferLeadership(NodeId.of(args[1]));
                    h.process(h.m(args[0]));
                    out.add("transfer to " + args[1] + ": " + r);
                }
                case "compact" -> {
                    RaftHarness.Member m = h.m(args[0]);
                    long index = Long.parseLong(args[1]);
                    m.storage.compact(index, m.node.membership(), String.join(",", m.applied).getBytes(StandardCharsets.UTF_8));
                    out.add(args[0] + " compacted to " + index);
                }
                case "read" -> {
                    ReadIndexResult r = h.node(args[0]).readIndex(Long.parseLong(args[1]));
                    h.process(h.m(args[0]));
                    out.add("read " + args[1] + ": " + r);
                }
                case "durability" -> out.add("durability " + args[1] + "/" + args[2] + ": "
                        + h.node(args[0]).durability(Long.parseLong(args[1]), Long.parseLong(args[2])));
                case "status" -> {
                    for (RaftHarness.Member m : select(args)) out.add(h.statusLine(m));
                }
                case "log" -> {
                    for (RaftHarness.Member m : select(args)) out.add(h.logLine(m));
                }
                case "applied" -> {
                    for (RaftHarness.Member m : select(args)) out.add(m.id + " applied: " + String.join(",", m.applied));
                }
                case "drop" -> {
                    out.add("dropped " + h.network.size() + " messages");
                    h.network.clear();
                }
                case "messages" -> h.traceMessages = args[0].equals("on");
                default -> throw new IllegalArgumentException("unknown command: " + line);
            }
            List<String> result = new ArrayList<>(Arrays.asList(h.takeTrace().split("\n")));
            result.removeIf(String::isEmpty);
            result.addAll(out);
            if (result.isEmpty()) result.add("ok");
            return result;
        }

        /** The live leader with the highest term; lets scripts say "propose leader x". */
        private String currentLeader() {
            RaftHarness.Member best = null;
            for (RaftHarness.Member m : h.members.values()) {
                if (!m.crashed && m.node.role() == Role.LEADER && (best == null || m.node.term() > best.node.term())) {
                    best = m;
                }
            }
            if (best == null) throw new IllegalStateException("no live leader");
            return best.id.value();
        }

        private List<RaftHarness.Member> select(String[] args) {
            if (args.length == 0) return List.copyOf(h.members.values());
            List<RaftHarness.Member> out = new ArrayList<>();
            for (String a : args) out.add(h.m(a));
            return out;
        }

        private static List<Set<NodeId>> groups(String[] args) {
            List<Set<NodeId>> groups = new ArrayList<>();
            Set<NodeId> cur = new HashSet<>();
            for (String a : args) {
                if (a.equals("|")) {
                    groups.add(cur);
                    cur = new HashSet<>();
                } else {
                    cur.add(NodeId.of(a));
                }
            }
            groups.add(cur);
            return groups;
        }

        private static RaftHarness cluster(String[] args) {
            List<String> ids = new ArrayList<>();
            boolean preVote = true;
            boolean checkQuorum = true;
            int election = 10;
            int heartbeat = 1;
            long seed = 1;
            long appendBytes = 1L << 20;
            for (String a : args) {
                if (!a.contains("=")) {
                    ids.add(a);
                    continue;
                }
                String[] kv = a.split("=", 2);
                switch (kv[0]) {
                    case "prevote" -> preVote = Boolean.parseBoolean(kv[1]);
                    case "checkquorum" -> checkQuorum = Boolean.parseBoolean(kv[1]);
                    case "election" -> election = Integer.parseInt(kv[1]);
                    case "heartbeat" -> heartbeat = Integer.parseInt(kv[1]);
                    case "seed" -> seed = Long.parseLong(kv[1]);
                    case "appendbytes" -> appendBytes = Long.parseLong(kv[1]);
                    default -> throw new IllegalArgumentException("unknown cluster option " + a);
                }
            }
            final boolean pv = preVote;
            final boolean cq = checkQuorum;
            final int el = election;
            final int hb = heartbeat;
            final long ab = appendBytes;
            return new RaftHarness(ids, seed, c -> c.withPreVote(pv).withCheckQuorum(cq).withElectionTimeoutTicks(el, hb)
                    .withInflight(c.inflightMessagesMax(), c.inflightBytesMax(), ab));
        }
    }
}
