package io.cairn.chaos.history;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thread-safe recorder of a run. Each entry is appended to {@code history.jsonl} as one line
 * ({@code {"op":…}}, {@code {"fault":…}} or {@code {"final":…}}) and kept in memory for the checker.
 * Lines are flushed as written, so a harness that dies leaves a readable prefix.
 */
public final class History implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final long startNs = System.nanoTime();
    private final AtomicLong ids = new AtomicLong();
    private final List<Op> ops = new ArrayList<>();
    private final Map<Long, FaultEvent> faults = new LinkedHashMap<>();
    private final List<FinalRead> finals = new ArrayList<>();
    private final BufferedWriter out;

    /** A recorder that writes to {@code file} (null: memory only, for tests). */
    public History(Path file) throws IOException {
        this.out = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    /** Microseconds since this history started; every time in the history uses this clock. */
    public long nowUs() {
        return (System.nanoTime() - startNs) / 1000;
    }

    public long nextId() {
        return ids.incrementAndGet();
    }

    public synchronized void record(Op op) {
        ops.add(op);
        write("op", op);
    }

    /** Records a fault as started now; returns its id for {@link #faultHealed}. */
    public synchronized long faultStarted(String kind, List<String> targets, String detail) {
        long id = nextId();
        FaultEvent e = new FaultEvent(id, kind, List.copyOf(targets), nowUs(), -1, detail);
        faults.put(id, e);
        write("fault", e);
        return id;
    }

    public synchronized void faultHealed(long id, String moreDetail) {
        FaultEvent e = faults.get(id);
        if (e != null && e.endUs() < 0) {
            FaultEvent healed = e.healedAt(nowUs(), moreDetail);
            faults.put(id, healed);
            write("fault", healed);
        }
    }

    public synchronized void recordFinal(FinalRead r) {
        finals.add(r);
        write("final", r);
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    public synchronized List<FaultEvent> faults() {
        return List.copyOf(faults.values());
    }

    public synchronized List<FinalRead> finals() {
        return List.copyOf(finals);
    }

    private void write(String kind, Object value) {
        if (out == null) {
            return;
        }
        try {
            out.write(JSON.writeValueAsString(Map.of(kind, value)));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write history", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }

    /** What a history file holds, read back; a later fault line for the same id replaces the earlier. */
    public record Loaded(List<Op> ops, List<FaultEvent> faults, List<FinalRead> finals) {}

    public static Loaded load(Path file) throws IOException {
        List<Op> ops = new ArrayList<>();
        Map<Long, FaultEvent> faults = new LinkedHashMap<>();
        List<FinalRead> finals = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new IOException(file + ":" + lineNo + ": not JSON: " + e.getMessage(), e);
            }
            if (n.has("op")) {
                ops.add(JSON.treeToValue(n.get("op"), Op.class));
            } else if (n.has("fault")) {
                FaultEvent f = JSON.treeToValue(n.get("fault"), FaultEvent.class);
                faults.put(f.id(), f);
            } else if (n.has("final")) {
                finals.add(JSON.treeToValue(n.get("final"), FinalRead.class));
            } else {
                throw new IOException(file + ":" + lineNo + ": unknown entry " + n.fieldNames().next());
            }
        }
        return new Loaded(ops, List.copyOf(faults.values()), finals);
    }
}
