package io.cairn.bench.load;

import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The workloads of issue 7 as lists of {@link ConnectionPlan}s: single-record produce, NDJSON
 * batch produce, consume, mixed (half the connections produce, half consume), and the no-op
 * endpoint used as the HTTP ceiling.
 *
 * <p>Connection {@code i} writes to partition {@code i % partitions}; {@code targetOf} says which
 * node serves that partition (its leader, in a cluster).
 */
public final class Workloads {
    /** The no-op endpoint both the node and the bare Netty baseline serve. */
    public static final String NOOP_PATH = "/bench/noop";

    private Workloads() {}

    /** Where connections send, and with which produce options. */
    public record Target(IntFunction<InetSocketAddress> addressOfPartition, String topic, int partitions, String acks) {
        public Target {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be >= 1");
            }
        }

        public static Target single(InetSocketAddress address, String topic, int partitions, String acks) {
            return new Target(p -> address, topic, partitions, acks);
        }

        String produceQuery(int partition) {
            return "?partition=" + partition + (acks == null ? "" : "&acks=" + acks);
        }

        String topicPath() {
            return URLEncoder.encode(topic, StandardCharsets.UTF_8);
        }
    }

    public static List<ConnectionPlan> produce(Target t, int connections, int valueBytes) {
        List<ConnectionPlan> plans = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            int p = i % t.partitions();
            InetSocketAddress a = t.addressOfPartition().apply(p);
            byte[] req = Requests.encode("POST", a, "/broker/topics/" + t.topicPath() + "/produce" + t.produceQuery(p),
                    "application/octet-stream", Requests.value(valueBytes, i));
            plans.add(new ConnectionPlan(a, "produce", 1, Requests.fixed(req)));
        }
        return plans;
    }

    public static List<ConnectionPlan> batch(Target t, int connections, int batchSize, int valueBytes) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, was " + batchSize);
        }
        byte[] body = Requests.ndjson(batchSize, valueBytes);
        List<ConnectionPlan> plans = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            int p = i % t.partitions();
            InetSocketAddress a = t.addressOfPartition().apply(p);
            byte[] req = Requests.encode("POST", a,
                    "/broker/topics/" + t.topicPath() + "/produce-ndjson" + t.produceQuery(p),
                    "application/x-ndjson", body);
            plans.add(new ConnectionPlan(a, "batch", batchSize, Requests.fixed(req)));
        }
        return plans;
    }

    /**
     * Consumers read pages of {@code limit} records, walking through {@code [0, recordsPerPartition)}
     * from a per-connection starting point and wrapping, so reads spread over the whole log
     * rather than hitting one hot page. Consumption counts requests, not records, since a page
     * near the end may be short.
     */
    public static List<ConnectionPlan> consume(Target t, int connections, int limit, long recordsPerPartition) {
        if (recordsPerPartition < 1) {
            throw new IllegalArgumentException("consume needs records to read; prefill first");
        }
        List<ConnectionPlan> plans = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            plans.add(consumePlan(t, i, limit, recordsPerPartition));
        }
        return plans;
    }

    private static ConnectionPlan consumePlan(Target t, int i, int limit, long records) {
        int p = i % t.partitions();
        InetSocketAddress a = t.addressOfPartition().apply(p);
        String prefix = "/broker/consume/" + t.topicPath() + "/bench-" + i + "/" + p + "?limit=" + limit + "&offset=";
        long startOffset = (records / Math.max(1, i + 1)) % records;
        RequestEncoder enc = seq -> {
            long offset = (startOffset + seq * limit) % records;
            return Unpooled.wrappedBuffer(Requests.encode("GET", a, prefix + offset, "", new byte[0]));
        };
        return new ConnectionPlan(a, "consume", 1, enc);
    }

    /** Even connections produce single records, odd ones consume; each kind is reported apart. */
    public static List<ConnectionPlan> mixed(Target t, int connections, int valueBytes, int limit, long records) {
        List<ConnectionPlan> produce = produce(t, connections, valueBytes);
        List<ConnectionPlan> plans = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            plans.add(i % 2 == 0 ? produce.get(i) : consumePlan(t, i, limit, records));
        }
        return plans;
    }

    /** The no-op endpoint with the same 64-byte-style body as produce, so only the work differs. */
    public static List<ConnectionPlan> noop(InetSocketAddress a, int connections, int valueBytes) {
        List<ConnectionPlan> plans = new ArrayList<>();
        byte[] req = Requests.encode("POST", a, NOOP_PATH, "application/octet-stream", Requests.value(valueBytes, 0));
        for (int i = 0; i < connections; i++) {
            plans.add(new ConnectionPlan(a, "noop", 1, Requests.fixed(req)));
        }
        return plans;
    }
}
