package io.cairn.bench.load;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What one load connection does for the whole run: where it connects, which kind of request it
 * sends (each kind gets its own histogram), how many records one request carries, and how to
 * encode its n-th request.
 *
 * @param target server address; connections are keep-alive and reconnect here after a close
 * @param kind short label for the report, e.g. {@code produce} or {@code consume}
 * @param recordsPerRequest records one successful request stands for (1, or the batch size)
 * @param encoder builds the full HTTP/1.1 request bytes for a sequence number
 */
public record ConnectionPlan(
        InetSocketAddress target, String kind, int recordsPerRequest, RequestEncoder encoder) {
    public ConnectionPlan {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(encoder, "encoder");
        if (recordsPerRequest < 1) {
            throw new IllegalArgumentException("recordsPerRequest must be >= 1, was " + recordsPerRequest);
        }
    }
}
