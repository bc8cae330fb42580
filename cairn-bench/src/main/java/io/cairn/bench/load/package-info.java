/**
 * The HTTP/1.1 load generator: keep-alive connections with exactly one request in flight each
 * (no pipelining, like wrk), closed-loop at maximum speed or open-loop at a fixed rate with
 * coordinated-omission correction (latency measured from the intended send time).
 *
 * <p>Must not know about scenarios or node processes: it only sends pre-encoded requests to a
 * host and port and records what came back, errors included.
 */
package io.cairn.bench.load;
