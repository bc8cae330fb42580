package io.cairn.chaos.checker;

import io.cairn.chaos.history.FaultEvent;
import io.cairn.chaos.history.FinalRead;
import io.cairn.chaos.history.Op;
import io.cairn.chaos.history.OpType;
import io.cairn.chaos.history.Outcome;
import io.cairn.chaos.history.ReadRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a history against the promises. Values written by the workload are unique, so a value
 * identifies its record; the committed log of each partition is the final read through the leader.
 *
 * <p>Each violation list is bounded by {@link #DETAILS_PER_KIND_MAX} entries per kind (the count
 * beyond is summarised) so a badly broken run still yields a readable report.
 */
public final class Checker {
    /** Violations listed per kind before the rest are summarised as a count. */
    public static final int DETAILS_PER_KIND_MAX = 20;
    /** How a final read reports a node that answers reads only as leader; not a fault. */
    public static final String FOLLOWER_READS_REFUSED = "node does not serve reads as a follower";

    /**
     * @param recoveryBoundMs how soon after the final heal a write must be acknowledged
     * @param finalHealUs when the final heal happened (history clock), or -1 to skip the recovery check
     */
    public record Config(long recoveryBoundMs, long finalHealUs) {}

    private final List<Op> ops;
    private final List<FaultEvent> faults;
    private final List<FinalRead> finals;
    private final Config config;
    private final Map<Violation.Kind, Integer> perKind = new HashMap<>();
    private final List<Violation> violations = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** Committed log per "topic/partition": offset to value. */
    private final Map<String, TreeMap<Long, String>> committed = new HashMap<>();
    private final Map<String, Long> logStarts = new HashMap<>();
    /** Where each value sits in the committed logs: "topic/partition" and offset. */
    private final Map<String, Long> valueOffset = new HashMap<>();
    private final Map<String, String> valuePartition = new HashMap<>();

    private Checker(List<Op> ops, List<FaultEvent> faults, List<FinalRead> finals, Config config) {
        this.ops = ops;
        this.faults = faults;
        this.finals = finals;
        this.config = config;
    }

    public static CheckResult check(List<Op> ops, List<FaultEvent> faults, List<FinalRead> finals, Config config) {
        return new Checker(ops, faults, finals, config).run();
    }

    private void violation(Violation.Kind kind, String detail) {
        int n = perKind.merge(kind, 1, Integer::sum);
        if (n <= DETAILS_PER_KIND_MAX) {
            violations.add(new Violation(kind, detail));
        }
    }

    private static String tp(String topic, Integer partition) {
        return topic + "/" + partition;
    }

    private CheckResult run() {
        buildCommittedLogs();
        compareReplicas();
        WriteStats w = checkWrites();
        checkOrder();
        checkCommits();
        long reads = checkReads();
        long finalRecovery = checkRecovery();
        Map<Long, Long> faultRecovery = faultRecovery();
        for (Map.Entry<Violation.Kind, Integer> e : perKind.entrySet()) {
            if (e.getValue() > DETAILS_PER_KIND_MAX) {
                violations.add(new Violation(e.getKey(), "... and " + (e.getValue() - DETAILS_PER_KIND_MAX) + " more of this kind"));
            }
        }
        Map<String, Long> counts = new TreeMap<>();
        for (Op op : ops) {
            counts.merge(op.type() + "/" + op.outcome(), 1L, Long::sum);
        }
        return new CheckResult(List.copyOf(violations), counts, w.acknowledged, perKind.getOrDefault(Violation.Kind.LOST_WRITE, 0),
                perKind.getOrDefault(Violation.Kind.DUPLICATE, 0), w.unknownPresent, w.unknownAbsent, w.dedupeHits, reads,
                finalRecovery, faultRecovery, List.copyOf(notes));
    }

    // ---- committed logs and replicas ----

    private void buildCommittedLogs() {
        Map<String, FinalRead> best = new LinkedHashMap<>();
        for (FinalRead r : finals) {
            if (FinalRead.VIA_LEADER.equals(r.node()) && r.complete()) {
                best.put(tp(r.topic(), r.partition()), r);
            }
        }
        // Without a complete leader read, the longest complete direct read stands in, with a note.
        Map<String, FinalRead> fallback = new LinkedHashMap<>();
        for (FinalRead r : finals) {
            String key = tp(r.topic(), r.partition());
            if (best.containsKey(key) || !r.complete() || FinalRead.VIA_LEADER.equals(r.node())) {
                continue;
            }
            FinalRead cur = fallback.get(key);
            if (cur == null || r.records().size() > cur.records().size()) {
                fallback.put(key, r);
            }
        }
        best.putAll(fallback);
        Set<String> written = new HashSet<>();
        for (Op op : ops) {
            if (op.isWrite() && op.partition() != null) {
                written.add(tp(op.topic(), op.partition()));
            }
        }
        for (String key : written) {
            if (!best.containsKey(key)) {
                violation(Violation.Kind.INCOMPLETE_FINAL_READ, "no complete final read of " + key + "; its writes cannot be checked");
            }
        }
        for (Map.Entry<String, FinalRead> e : best.entrySet()) {
            FinalRead r = e.getValue();
            if (!FinalRead.VIA_LEADER.equals(r.node())) {
                notes.add("committed log of " + e.getKey() + " taken from a direct read of " + r.node() + " (leader read incomplete)");
            }
            TreeMap<Long, String> log = new TreeMap<>();
            checkDense(e.getKey() + " on " + r.node(), r.logStart(), r.records());
            for (ReadRecord rec : r.records()) {
                log.putIfAbsent(rec.offset(), rec.value());
                Long prev = valueOffset.putIfAbsent(rec.value(), rec.offset());
                if (prev != null && prev != rec.offset()) {
                    violation(Violation.Kind.DUPLICATE, "value '" + rec.value() + "' is committed twice in " + e.getKey()
                            + ", at offsets " + prev + " and " + rec.offset());
                }
                valuePartition.putIfAbsent(rec.value(), e.getKey());
            }
            committed.put(e.getKey(), log);
            logStarts.put(e.getKey(), r.logStart());
        }
    }

    private void checkDense(String where, long logStart, List<ReadRecord> records) {
        long expect = records.isEmpty() ? logStart : records.get(0).offset();
        if (!records.isEmpty() && records.get(0).offset() != logStart) {
            violation(Violation.Kind.OFFSETS_NOT_DENSE, where + ": log starts at " + logStart + " but first record is offset " + records.get(0).offset());
        }
        for (ReadRecord rec : records) {
            if (rec.offset() != expect) {
                violation(Violation.Kind.OFFSETS_NOT_DENSE, where + ": expected offset " + expect + ", found " + rec.offset());
                expect = rec.offset();
            }
            expect++;
        }
    }

    private void compareReplicas() {
        for (FinalRead r : finals) {
            if (FinalRead.VIA_LEADER.equals(r.node())) {
                continue;
            }
            String key = tp(r.topic(), r.partition());
            if (!r.complete()) {
                if (r.error() != null && r.error().startsWith(FOLLOWER_READS_REFUSED)) {
                    notes.add(r.node() + " does not serve " + key + " directly (redirects to the leader); compared via the leader only");
                } else {
                    violation(Violation.Kind.REPLICA_UNREADABLE, r.node() + " cannot serve " + key + " after the final heal: " + r.error());
                }
            }
            TreeMap<Long, String> log = committed.get(key);
            if (log == null) {
                continue;
            }
            checkDense(key + " on " + r.node(), r.logStart(), r.records());
            long beyond = 0;
            for (ReadRecord rec : r.records()) {
                String v = log.get(rec.offset());
                if (v == null) {
                    if (rec.offset() >= logStarts.getOrDefault(key, 0L)) {
                        beyond++;
                    }
                } else if (!v.equals(rec.value())) {
                    violation(Violation.Kind.REPLICAS_DIVERGE, key + " offset " + rec.offset() + ": committed '" + v + "' but "
                            + r.node() + " serves '" + rec.value() + "'");
                }
            }
            if (beyond > 0) {
                violation(Violation.Kind.REPLICAS_DIVERGE, key + ": " + r.node() + " serves " + beyond
                        + " record(s) beyond the committed log");
            }
            long lag = log.size() - r.records().size();
            if (r.complete() && lag > 0) {
                notes.add(r.node() + " lags " + key + " by " + lag + " record(s) at the final read");
            }
        }
    }

    // ---- writes ----

    private static final class WriteStats {
        long acknowledged;
        long unknownPresent;
        long unknownAbsent;
        long dedupeHits;
    }

    private WriteStats checkWrites() {
        WriteStats s = new WriteStats();
        Map<String, List<Op>> byValue = new LinkedHashMap<>();
        Map<String, Long> keyOffsets = new HashMap<>();
        for (Op op : ops) {
            if (!op.isWrite() || op.values() == null) {
                continue;
            }
            for (String v : op.values()) {
                byValue.computeIfAbsent(v, k -> new ArrayList<>()).add(op);
            }
        }
        for (Map.Entry<String, List<Op>> e : byValue.entrySet()) {
            String v = e.getKey();
            boolean anyOk = false;
            boolean anyUnknown = false;
            for (Op op : e.getValue()) {
                int i = op.values().indexOf(v);
                String key = tp(op.topic(), op.partition());
                if (op.outcome() == Outcome.OK) {
                    anyOk = true;
                    s.acknowledged++;
                    long off = op.offsets().get(i);
                    if (op.duplicates() != null && Boolean.TRUE.equals(op.duplicates().get(i))) {
                        s.dedupeHits++;
                    }
                    if (op.keys() != null) {
                        Long prev = keyOffsets.putIfAbsent(op.keys().get(i), off);
                        if (prev != null && prev != off) {
                            violation(Violation.Kind.DUPLICATE, "idempotency key '" + op.keys().get(i) + "' acknowledged at offsets "
                                    + prev + " and " + off + " (op " + op.id() + ")");
                        }
                    }
                    TreeMap<Long, String> log = committed.get(key);
                    if (log == null || off < logStarts.getOrDefault(key, 0L)) {
                        continue;
                    }
                    String at = log.get(off);
                    if (!valueOffset.containsKey(v) || !key.equals(valuePartition.get(v))) {
                        violation(Violation.Kind.LOST_WRITE, "'" + v + "' acknowledged at " + key + " offset " + off + " by "
                                + op.node() + " (op " + op.id() + ", t=" + op.completeUs() / 1000 + " ms) is not in the committed log"
                                + (at == null ? "" : "; that offset now holds '" + at + "'"));
                    } else if (!v.equals(at)) {
                        violation(Violation.Kind.OFFSET_CHANGED, "'" + v + "' acknowledged at " + key + " offset " + off + " (op " + op.id()
                                + ") but that offset holds '" + at + "' and the value sits at " + valueOffset.get(v));
                    }
                } else if (op.outcome() == Outcome.UNKNOWN) {
                    anyUnknown = true;
                }
            }
            boolean present = valueOffset.containsKey(v);
            if (!anyOk && anyUnknown) {
                if (present) {
                    s.unknownPresent++;
                } else {
                    s.unknownAbsent++;
                }
            }
            if (!anyOk && !anyUnknown && present) {
                Op op = e.getValue().get(0);
                violation(Violation.Kind.FAILED_WRITE_APPEARED, "'" + v + "' was reported as failed (op " + op.id() + ": " + op.error()
                        + ") but is committed at " + valuePartition.get(v) + " offset " + valueOffset.get(v));
            }
        }
        return s;
    }

    /**
     * For each producer process and partition, a write acknowledged before another was invoked must
     * have the lower offset. Dedupe hits are skipped: their offset belongs to an earlier attempt.
     */
    private void checkOrder() {
        Map<String, List<Op>> byProcess = new LinkedHashMap<>();
        for (Op op : ops) {
            if (op.isWrite() && op.outcome() == Outcome.OK && op.offsets() != null && !op.offsets().isEmpty()) {
                byProcess.computeIfAbsent(op.process() + "|" + tp(op.topic(), op.partition()), k -> new ArrayList<>()).add(op);
            }
        }
        for (Map.Entry<String, List<Op>> e : byProcess.entrySet()) {
            List<Op> list = new ArrayList<>(e.getValue());
            list.sort(Comparator.comparingLong(Op::invokeUs));
            Op prev = null;
            long prevMax = -1;
            for (Op op : list) {
                long min = Long.MAX_VALUE;
                long max = -1;
                for (int i = 0; i < op.offsets().size(); i++) {
                    if (op.duplicates() != null && Boolean.TRUE.equals(op.duplicates().get(i))) {
                        continue;
                    }
                    min = Math.min(min, op.offsets().get(i));
                    max = Math.max(max, op.offsets().get(i));
                }
                if (max < 0) {
                    continue;
                }
                if (prev != null && prev.completeUs() < op.invokeUs() && min <= prevMax) {
                    violation(Violation.Kind.ORDER, e.getKey() + ": op " + prev.id() + " acknowledged offset " + prevMax
                            + " before op " + op.id() + " was sent, yet op " + op.id() + " got offset " + min);
                }
                prev = op;
                prevMax = max;
            }
        }
    }

    // ---- group offsets ----

    private record Observation(long invokeUs, long completeUs, long value, long opId) {}

    private void checkCommits() {
        Map<String, List<Observation>> byGroup = new LinkedHashMap<>();
        for (Op op : ops) {
            if (op.outcome() != Outcome.OK || op.group() == null || op.committedOffset() == null) {
                continue;
            }
            if (op.type() != OpType.COMMIT && op.type() != OpType.GROUP_CONSUME) {
                continue;
            }
            String key = op.group() + "@" + tp(op.topic(), op.partition());
            byGroup.computeIfAbsent(key, k -> new ArrayList<>())
                    .add(new Observation(op.invokeUs(), op.completeUs(), op.committedOffset(), op.id()));
            if (op.type() == OpType.COMMIT && op.commitOffset() != null && op.committedOffset() < op.commitOffset()) {
                violation(Violation.Kind.COMMIT_REGRESSED, key + ": commit of " + op.commitOffset() + " (op " + op.id()
                        + ") answered committed_offset " + op.committedOffset());
            }
        }
        for (Map.Entry<String, List<Observation>> e : byGroup.entrySet()) {
            List<Observation> byComplete = new ArrayList<>(e.getValue());
            byComplete.sort(Comparator.comparingLong(Observation::completeUs));
            List<Observation> byInvoke = new ArrayList<>(e.getValue());
            byInvoke.sort(Comparator.comparingLong(Observation::invokeUs));
            int j = 0;
            Observation maxBefore = null;
            for (Observation y : byInvoke) {
                while (j < byComplete.size() && byComplete.get(j).completeUs() < y.invokeUs()) {
                    Observation x = byComplete.get(j++);
                    if (maxBefore == null || x.value() > maxBefore.value()) {
                        maxBefore = x;
                    }
                }
                if (maxBefore != null && y.value() < maxBefore.value()) {
                    violation(Violation.Kind.COMMIT_REGRESSED, e.getKey() + ": committed offset " + maxBefore.value() + " seen by op "
                            + maxBefore.opId() + ", later op " + y.opId() + " sees " + y.value());
                }
            }
        }
    }

    // ---- reads ----

    private long checkReads() {
        long checked = 0;
        for (Op op : ops) {
            if ((op.type() != OpType.CONSUME && op.type() != OpType.GROUP_CONSUME) || op.outcome() != Outcome.OK || op.records() == null) {
                continue;
            }
            String key = tp(op.topic(), op.partition());
            TreeMap<Long, String> log = committed.get(key);
            long logStart = logStarts.getOrDefault(key, 0L);
            List<ReadRecord> recs = op.records();
            if (op.fromOffset() != null && !recs.isEmpty() && op.fromOffset() >= logStart && recs.get(0).offset() != op.fromOffset()) {
                violation(Violation.Kind.OFFSETS_NOT_DENSE, key + ": read from " + op.fromOffset() + " (op " + op.id()
                        + ") began at offset " + recs.get(0).offset());
            }
            for (int i = 1; i < recs.size(); i++) {
                if (recs.get(i).offset() != recs.get(i - 1).offset() + 1) {
                    violation(Violation.Kind.OFFSETS_NOT_DENSE, key + ": op " + op.id() + " returned offset " + recs.get(i).offset()
                            + " right after " + recs.get(i - 1).offset());
                }
            }
            if (log == null) {
                continue;
            }
            for (ReadRecord r : recs) {
                if (r.offset() < logStart) {
                    continue;
                }
                checked++;
                String v = log.get(r.offset());
                if (!Objects.equals(v, r.value())) {
                    violation(Violation.Kind.READ_VANISHED, key + " offset " + r.offset() + ": op " + op.id() + " read '" + r.value()
                            + "' from " + op.node() + " at t=" + op.completeUs() / 1000 + " ms, committed log has "
                            + (v == null ? "nothing" : "'" + v + "'"));
                }
            }
        }
        return checked;
    }

    // ---- recovery ----

    /**
     * Every partition written during the run must take a write again within the bound after the
     * final heal; a cluster where one partition stays stuck has not recovered. Returns ms from the
     * heal to the last partition's first acknowledged write (the whole cluster's recovery), or -1.
     */
    private long checkRecovery() {
        if (config.finalHealUs() < 0) {
            return -1;
        }
        Map<String, Long> firstOk = new TreeMap<>();
        Set<String> written = new java.util.TreeSet<>();
        for (Op op : ops) {
            if (!op.isWrite() || op.partition() == null) {
                continue;
            }
            String key = tp(op.topic(), op.partition());
            written.add(key);
            if (op.outcome() == Outcome.OK && op.completeUs() >= config.finalHealUs()) {
                firstOk.merge(key, op.completeUs(), Math::min);
            }
        }
        long worst = -1;
        for (String key : written) {
            Long at = firstOk.get(key);
            long ms = at == null ? -1 : (at - config.finalHealUs()) / 1000;
            if (ms < 0 || ms > config.recoveryBoundMs()) {
                violation(Violation.Kind.NO_RECOVERY, key + ": after the final heal no write was acknowledged within "
                        + config.recoveryBoundMs() + " ms" + (ms < 0 ? " (none at all)" : " (first after " + ms + " ms)"));
            }
            if (at == null) {
                worst = Long.MAX_VALUE;
            } else if (worst != Long.MAX_VALUE) {
                worst = Math.max(worst, ms);
            }
        }
        return worst == Long.MAX_VALUE ? -1 : worst;
    }

    private Map<Long, Long> faultRecovery() {
        List<Long> okWrites = new ArrayList<>();
        for (Op op : ops) {
            if (op.isWrite() && op.outcome() == Outcome.OK) {
                okWrites.add(op.completeUs());
            }
        }
        okWrites.sort(null);
        Map<Long, Long> out = new LinkedHashMap<>();
        for (FaultEvent f : faults) {
            if (f.endUs() < 0) {
                continue;
            }
            int idx = java.util.Collections.binarySearch(okWrites, f.endUs());
            int i = idx >= 0 ? idx : -idx - 1;
            out.put(f.id(), i < okWrites.size() ? (okWrites.get(i) - f.endUs()) / 1000 : -1);
        }
        return out;
    }
}
