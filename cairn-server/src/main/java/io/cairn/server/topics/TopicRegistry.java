package io.cairn.server.topics;

import io.cairn.storage.DurableFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.core.Invariants;
import io.cairn.server.broker.Broker;
import io.cairn.server.broker.BrokerException;
import io.cairn.server.broker.PartitionFactory;
import io.cairn.server.broker.PartitionFactory.PartitionSettings;
import io.cairn.server.broker.PartitionFactory.PartitionSpec;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.storage.AtomicStateFile;
import io.cairn.storage.DiskFullException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The single-node {@link Broker}: a durable list of topics in {@code <data-dir>/topics.state} and
 * one replica per partition, opened through the {@link PartitionFactory}.
 *
 * <p>Every change to the topic list runs on one admin thread, so changes are serialised without
 * locks and no file I/O ever runs on an event loop. Readers see an immutable {@link Topic}
 * snapshot through a concurrent map.
 *
 * <p>The list is JSON in {@code <data-dir>/topics.state}, the storage engine's CRC-checked atomic
 * state file, so a damaged list stops startup instead of silently losing topics.
 *
 * <p>Crash ordering: a create persists the topic before creating its directories. A delete first
 * moves the topic's directory into {@code <data-dir>/trash/}, then persists the removal, then
 * deletes the trash. At startup a trashed topic that is still in the list is moved back (the crash
 * came before the removal was persisted) and any other trash is deleted. A directory under
 * {@code topics/} whose topic is not in the list is never deleted: it means the list was lost or
 * replaced, so startup stops with a clear message rather than destroy data it cannot account for.
 */
public final class TopicRegistry implements Broker {
    private static final Logger log = LoggerFactory.getLogger(TopicRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    /** Partitions per topic; each is a Raft group with its own files, so this bounds file handles. */
    public static final int PARTITIONS_MAX = 1024;
    /**
     * Partitions on one node across all topics. Each is a Raft group with open segment files and
     * a slot on a group thread, so this bounds file handles, memory and tick work per node.
     */
    public static final int NODE_PARTITIONS_MAX = 10_000;
    private static final int STATE_VERSION = 1;
    /** The topic list: JSON inside the storage engine's CRC-checked atomic state file. */
    static final String STATE_FILE = "topics.state";
    /** Where a delete parks a topic's directory until the removal is persisted. */
    static final String TRASH_DIR = "trash";
    /** Cache lifetime of the disk-usage sum: the bound may be overshot by what is written meanwhile. */
    private static final long DISK_USAGE_CACHE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Path dataDir;
    private final Path topicsDir;
    private final Path trashDir;
    private final AtomicStateFile stateFile;
    private final PartitionFactory factory;
    private final PartitionSettings settings;
    private final int nodeCount;
    private final ExecutorService admin = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cairn-topics-admin");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentSkipListMap<String, Topic> topics = new ConcurrentSkipListMap<>();
    private volatile String notReadyReason = "partition logs are being recovered";
    private volatile long diskUsageBytes;
    private volatile long diskUsageReadNanos = Long.MIN_VALUE;

    /** A topic and its open replicas; {@code partitions} is null until they are opened. */
    private record Topic(TopicSpec spec, PartitionHandle[] partitions) {}

    public TopicRegistry(Path dataDir, PartitionFactory factory, PartitionSettings settings, int nodeCount) {
        this.dataDir = dataDir;
        this.topicsDir = dataDir.resolve("topics");
        this.trashDir = dataDir.resolve(TRASH_DIR);
        this.stateFile = new AtomicStateFile(dataDir.resolve(STATE_FILE));
        this.factory = factory;
        this.settings = settings;
        this.nodeCount = nodeCount;
    }

    /**
     * Reads the topic list (synchronously, so a damaged state file stops startup with a clear
     * message) and then recovers every partition log on the admin thread. The node is not ready
     * until the returned future completes.
     */
    public CompletableFuture<Void> open() throws IOException {
        DurableFiles.createDirectories(topicsDir);
        for (TopicSpec spec : readState()) {
            topics.put(spec.name(), new Topic(spec, null));
        }
        finishInterruptedDeletes();
        refuseUnknownTopicDirectories();
        return CompletableFuture.runAsync(this::openAll, admin).whenComplete((v, t) -> {
            if (t != null) {
                notReadyReason = "partition recovery failed: " + String.valueOf(t.getCause() != null ? t.getCause().getMessage()
                    : t.getMessage());
            }
        });
    }

    private void openAll() {
        long startNanos = System.nanoTime();
        List<TopicSpec> specs = topics.values().stream().map(Topic::spec).toList();
        List<PartitionSpec> all = new ArrayList<>();
        for (TopicSpec spec : specs) {
            all.addAll(partitionSpecs(spec));
        }
        // Every partition of every topic at once, not topic by topic: a node with many one-partition
        // topics recovers as fast as one with a single many-partition topic.
        PartitionHandle[] handles = openPartitions(all);
        int opened = 0;
        for (TopicSpec spec : specs) {
            topics.put(spec.name(), new Topic(spec, Arrays.copyOfRange(handles, opened, opened + spec.partitions())));
            opened += spec.partitions();
        }
        notReadyReason = null;
        log.info("recovered {} partitions of {} topics in {} ms", opened, topics.size(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    /**
     * Completes or undoes a delete that a crash interrupted: a trashed topic still in the list
     * goes back (its removal was never persisted), any other trash is deleted.
     */
    private void finishInterruptedDeletes() throws IOException {
        if (!Files.isDirectory(trashDir)) {
            return;
        }
        try (var dirs = Files.list(trashDir)) {
            for (Path dir : dirs.toList()) {
                String name = dir.getFileName().toString();
                Path home = topicsDir.resolve(name);
                if (topics.containsKey(name) && !Files.exists(home)) {
                    log.warn("restoring {}: its delete was interrupted before it was recorded", name);
                    Files.move(dir, home, StandardCopyOption.ATOMIC_MOVE);
                    fsyncDirectory(topicsDir);
                    fsyncDirectory(trashDir);
                } else {
                    log.info("removing {}: left by an interrupted delete of topic {}", dir, name);
                    deleteRecursively(dir);
                }
            }
        }
    }

    /**
     * Partition data for a topic the list does not name can only mean the list was lost or
     * replaced (deletes go through the trash, creates persist the list first). Deleting it would
     * turn a lost metadata file into lost records, so startup stops instead.
     */
    private void refuseUnknownTopicDirectories() throws IOException {
        List<String> unknown;
        try (var dirs = Files.list(topicsDir)) {
            unknown = dirs.map(d -> d.getFileName().toString()).filter(n -> !topics.containsKey(n)).sorted().toList();
        }
        if (!unknown.isEmpty()) {
            throw new IOException(topicsDir + " holds data of topics that " + stateFile.path().getFileName()
                + " does not list " + unknown + "; refusing to start rather than delete it (restore "
                + STATE_FILE + ", or move those directories away)");
        }
    }

    private List<PartitionSpec> partitionSpecs(TopicSpec spec) {
        List<PartitionSpec> out = new ArrayList<>(spec.partitions());
        for (int p = 0; p < spec.partitions(); p++) {
            out.add(new PartitionSpec(spec.name(), p, topicsDir.resolve(spec.name()).resolve(Integer.toString(p)), settings));
        }
        return out;
    }

    private PartitionHandle[] openPartitions(TopicSpec spec) {
        return openPartitions(partitionSpecs(spec));
    }

    /**
     * Opens the partitions, several at a time ({@link PartitionOpener}), in the order given. If
     * any fails, every one opened is closed again and the first failure is thrown.
     */
    private PartitionHandle[] openPartitions(List<PartitionSpec> specs) {
        return PartitionOpener.openAll(specs, this::openPartition, TopicRegistry::closeQuietly)
            .toArray(new PartitionHandle[0]);
    }

    private PartitionHandle openPartition(PartitionSpec ps) {
        try {
            return factory.open(ps);
        } catch (IOException | RuntimeException e) {
            if (e instanceof DiskFullException || e instanceof IOException io && isNoSpace(io)) {
                throw new BrokerException.DiskFull("no space to create partition " + ps.partition() + " of topic '"
                    + ps.topic() + "': " + e.getMessage());
            }
            throw new UncheckedIOException("cannot open partition " + ps.partition() + " of topic '" + ps.topic()
                + "' in " + ps.dir() + ": " + e.getMessage(),
                e instanceof IOException io ? io : new IOException(e));
        }
    }

    @Override
    public CompletableFuture<TopicCreated> createTopic(TopicSpec requested) {
        TopicSpec spec;
        try {
            spec = validate(requested);
        } catch (BrokerException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.supplyAsync(() -> {
            Topic existing = topics.get(spec.name());
            if (existing != null) {
                if (existing.spec().equals(spec)) {
                    return new TopicCreated(spec, false);
                }
                throw new BrokerException.Conflict("topic_exists",
                    "topic '" + spec.name() + "' exists with other settings: " + describeSpec(existing.spec()));
            }
            List<TopicSpec> before = specs();
            int onNode = before.stream().mapToInt(TopicSpec::partitions).sum();
            if (onNode + spec.partitions() > NODE_PARTITIONS_MAX) {
                throw new BrokerException.BadRequest("too_many_partitions", "this node holds " + onNode
                    + " partitions; " + spec.partitions() + " more would exceed its bound of " + NODE_PARTITIONS_MAX);
            }
            var next = new ArrayList<>(before);
            next.add(spec);
            // Persist before creating directories; see the class comment for why this order.
            writeState(next);
            PartitionHandle[] handles;
            try {
                handles = openPartitions(spec);
            } catch (RuntimeException e) {
                // Undo, so a failed create leaves no topic behind (in memory, in the file, or on disk).
                writeState(before);
                deleteRecursively(topicsDir.resolve(spec.name()));
                throw e;
            }
            topics.put(spec.name(), new Topic(spec, handles));
            log.info("created topic {}", describeSpec(spec));
            return new TopicCreated(spec, true);
        }, admin);
    }

    private TopicSpec validate(TopicSpec spec) {
        checkName(spec.name(), "topic");
        if (spec.partitions() < 1 || spec.partitions() > PARTITIONS_MAX) {
            throw new BrokerException.BadRequest("invalid_partitions",
                "partitions must be between 1 and " + PARTITIONS_MAX + ", got " + spec.partitions());
        }
        int rf = spec.replicationFactor() == 0 ? Math.min(3, nodeCount) : spec.replicationFactor();
        if (rf < 1 || rf > nodeCount) {
            throw new BrokerException.BadRequest("invalid_replication_factor",
                "replication_factor must be between 1 and the number of nodes (" + nodeCount + "), got "
                    + spec.replicationFactor());
        }
        Retention retention = spec.retention() == null ? Retention.NONE : spec.retention();
        checkRetention(retention);
        return new TopicSpec(spec.name(), spec.partitions(), rf, retention);
    }

    /** Rejects names outside {@code [A-Za-z0-9._-]{1,249}}, and "." and ".." which name directories. */
    public static void checkName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new BrokerException.BadRequest("invalid_" + what + "_name", what + " name '" + name
                + "' is invalid: use 1-249 characters from A-Z a-z 0-9 . _ - (and not \".\" or \"..\")");
        }
    }

    private static void checkRetention(Retention r) {
        if (r.ms() != null && r.ms() < 1 || r.bytes() != null && r.bytes() < 1) {
            throw new BrokerException.BadRequest("invalid_retention",
                "retention ms and bytes must be positive (omit or null for unbounded)");
        }
    }

    private static String describeSpec(TopicSpec s) {
        return s.name() + " (partitions=" + s.partitions() + ", replication_factor=" + s.replicationFactor()
            + ", retention.ms=" + s.retention().ms() + ", retention.bytes=" + s.retention().bytes() + ")";
    }

    @Override
    public List<TopicSpec> listTopics() {
        return specs();
    }

    private List<TopicSpec> specs() {
        return topics.values().stream().map(Topic::spec).toList();
    }

    @Override
    public TopicSpec topicSpec(String topic) {
        return topic(topic).spec();
    }

    private Topic topic(String name) {
        Topic t = topics.get(name);
        if (t == null) {
            throw new BrokerException.NotFound("topic_not_found", "topic '" + name + "' does not exist");
        }
        return t;
    }

    @Override
    public TopicDescription describeTopic(String name) {
        Topic t = topic(name);
        var statuses = new ArrayList<PartitionHandle.Status>(t.spec().partitions());
        for (int p = 0; p < t.spec().partitions(); p++) {
            statuses.add(handle(t, p).status());
        }
        return new TopicDescription(t.spec(), statuses, settings.dedupeWindowMs(), settings.dedupeWindowKeysMax());
    }

    @Override
    public PartitionHandle partition(String topic, int partition) {
        return handle(topic(topic), partition);
    }

    private PartitionHandle handle(Topic t, int partition) {
        if (partition < 0 || partition >= t.spec().partitions()) {
            throw new BrokerException.NotFound("partition_not_found", "topic '" + t.spec().name() + "' has partitions 0.."
                + (t.spec().partitions() - 1) + ", not " + partition);
        }
        if (t.partitions() == null) {
            throw new BrokerException.Unavailable("not_ready", notReadyReasonOr("partitions are being opened"), 1000);
        }
        return t.partitions()[partition];
    }

    private String notReadyReasonOr(String fallback) {
        String r = notReadyReason;
        return r == null ? fallback : r;
    }

    @Override
    public CompletableFuture<Void> deleteTopic(String name) {
        return CompletableFuture.runAsync(() -> {
            Topic t = topic(name);
            var next = new ArrayList<>(specs());
            next.remove(t.spec());
            topics.remove(name);
            if (t.partitions() != null) {
                for (PartitionHandle h : t.partitions()) {
                    closeQuietly(h);
                }
            }
            // Trash, then persist, then delete: a crash at any point either keeps the topic whole
            // (startup moves it back) or finishes the delete; no state leaves data unaccounted for.
            Path trashed = moveToTrash(name);
            writeState(next);
            deleteRecursively(trashed);
            log.info("deleted topic {} and its data", name);
        }, admin);
    }

    @Override
    public CompletableFuture<Void> setRetention(String name, Retention retention) {
        try {
            checkRetention(retention);
        } catch (BrokerException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.runAsync(() -> {
            Topic t = topic(name);
            var spec = new TopicSpec(name, t.spec().partitions(), t.spec().replicationFactor(), retention);
            var next = new ArrayList<>(specs());
            next.replaceAll(s -> s.name().equals(name) ? spec : s);
            writeState(next);
            topics.put(name, new Topic(spec, t.partitions()));
            log.info("set retention of {}: ms={} bytes={}", name, retention.ms(), retention.bytes());
        }, admin);
    }

    @Override
    public List<GroupOffset> describeGroup(String group) {
        var out = new ArrayList<GroupOffset>();
        for (Topic t : topics.values()) {
            if (t.partitions() == null) {
                continue;
            }
            for (int p = 0; p < t.partitions().length; p++) {
                PartitionHandle h = t.partitions()[p];
                long committed = h.committedOffset(group);
                if (committed >= 0) {
                    long hw = h.status().highWatermark();
                    out.add(new GroupOffset(t.spec().name(), p, committed, hw, Math.max(0, hw - (committed + 1))));
                }
            }
        }
        return out;
    }

    @Override
    public Optional<String> notReadyReason() {
        return Optional.ofNullable(notReadyReason);
    }

    @Override
    public long logBytesTotal() {
        long now = System.nanoTime();
        if (now - diskUsageReadNanos < DISK_USAGE_CACHE_NANOS) {
            return diskUsageBytes;
        }
        long total = 0;
        for (Topic t : topics.values()) {
            if (t.partitions() != null) {
                for (PartitionHandle h : t.partitions()) {
                    total += h.status().logBytes();
                }
            }
        }
        diskUsageBytes = total;
        diskUsageReadNanos = now;
        return total;
    }

    /** Open replicas with the retention of their topic, for the retention task. */
    List<Map.Entry<TopicSpec, PartitionHandle[]>> openTopics() {
        var out = new ArrayList<Map.Entry<TopicSpec, PartitionHandle[]>>();
        for (Topic t : topics.values()) {
            if (t.partitions() != null) {
                out.add(Map.entry(t.spec(), t.partitions()));
            }
        }
        return out;
    }

    @Override
    public void close() {
        admin.shutdown();
        try {
            if (!admin.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("topic admin thread did not finish within 30 s; closing partitions anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Topic t : topics.values()) {
            if (t.partitions() != null) {
                for (PartitionHandle h : t.partitions()) {
                    closeQuietly(h);
                }
            }
        }
        topics.clear();
        factory.close();
    }

    private static void closeQuietly(PartitionHandle h) {
        try {
            h.close();
        } catch (Exception e) {
            log.warn("closing a partition failed: {}", e.toString());
        }
    }

    // --- state file ---------------------------------------------------------------------------

    private List<TopicSpec> readState() throws IOException {
        Optional<byte[]> bytes = stateFile.read();
        if (bytes.isEmpty()) {
            return List.of();
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes.get());
        } catch (IOException e) {
            throw new IOException(stateFile.path() + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.path("version").asInt(-1) != STATE_VERSION || !root.path("topics").isArray()) {
            throw new IOException(stateFile.path() + " has an unknown format (expected version " + STATE_VERSION + ")");
        }
        var out = new ArrayList<TopicSpec>();
        for (JsonNode t : root.get("topics")) {
            JsonNode r = t.path("retention");
            out.add(new TopicSpec(t.path("name").asText(), t.path("partitions").asInt(),
                t.path("replication_factor").asInt(), new Retention(
                    r.hasNonNull("ms") ? r.get("ms").asLong() : null,
                    r.hasNonNull("bytes") ? r.get("bytes").asLong() : null)));
        }
        for (TopicSpec spec : out) {
            Invariants.check(NAME.matcher(spec.name()).matches() && spec.partitions() >= 1,
                "the topic list holds an invalid topic %s", spec);
        }
        return out;
    }

    private void writeState(List<TopicSpec> specs) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", STATE_VERSION);
        var arr = root.putArray("topics");
        specs.stream().sorted(Comparator.comparing(TopicSpec::name)).forEach(s -> {
            ObjectNode t = arr.addObject();
            t.put("name", s.name());
            t.put("partitions", s.partitions());
            t.put("replication_factor", s.replicationFactor());
            ObjectNode r = t.putObject("retention");
            r.put("ms", s.retention().ms());
            r.put("bytes", s.retention().bytes());
        });
        try {
            stateFile.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (DiskFullException e) {
            throw new BrokerException.DiskFull("no space to save the topic list: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + stateFile.path(), e);
        }
    }

    static boolean isNoSpace(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left") || m.contains("Disk quota exceeded");
    }

    private Path moveToTrash(String name) {
        Path home = topicsDir.resolve(name);
        Path trashed = trashDir.resolve(name);
        try {
            Files.createDirectories(trashDir);
            deleteRecursively(trashed);
            if (Files.exists(home)) {
                Files.move(home, trashed, StandardCopyOption.ATOMIC_MOVE);
                fsyncDirectory(topicsDir);
                fsyncDirectory(trashDir);
            }
            return trashed;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + home + " to " + trashed, e);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            fsyncDirectory(dir.getParent()); // make the removal durable, so a crash cannot bring the files back
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
