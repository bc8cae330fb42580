package io.cairn.server.replica;

import io.cairn.core.NodeId;
import io.cairn.server.broker.PartitionFactory.PartitionSettings;
import io.cairn.server.broker.PartitionFactory.PartitionSpec;
import io.cairn.server.broker.PartitionHandle;
import io.cairn.server.broker.PartitionHandle.ProduceRecord;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Opens real replicas over real files for the replica ITs; closes everything it opened. */
final class ReplicaHarness implements AutoCloseable {
    static final PartitionSettings SETTINGS = new PartitionSettings(1 << 20, 0, 1 << 20, 600_000, 1_000_000);

    private final ReplicaOptions options;
    private final List<AutoCloseable> open = new ArrayList<>();
    private ReplicaFactory factory;

    ReplicaHarness(ReplicaOptions options) {
        this.options = options;
        this.factory = new ReplicaFactory(options, null);
    }

    static ReplicaOptions defaults() {
        return ReplicaOptions.defaults(NodeId.of("n1")).withGroupThreads(2);
    }

    PartitionReplica open(Path dir, PartitionSettings settings) throws Exception {
        PartitionReplica r = (PartitionReplica) factory.open(new PartitionSpec("t", 0, dir, settings));
        open.add(0, r);
        return r;
    }

    PartitionReplica open(Path dir) throws Exception {
        return open(dir, SETTINGS);
    }

    /** Closes every replica and the factory, then starts a fresh factory: an orderly node restart. */
    void restart() {
        closeAll();
        factory = new ReplicaFactory(options, null);
    }

    private void closeAll() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        open.clear();
        factory.close();
    }

    @Override
    public void close() {
        closeAll();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static ProduceRecord rec(String value) {
        return new ProduceRecord(null, utf8(value), null);
    }

    static ProduceRecord rec(String value, String idempotencyKey) {
        return new ProduceRecord(null, utf8(value), idempotencyKey);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within 30 s", e);
        }
    }

    static PartitionHandle.ProduceResult produce(PartitionHandle p, ProduceRecord... records) throws Exception {
        return await(p.produce(List.of(records), PartitionHandle.Acks.MAJORITY, 10_000));
    }
}
