/**
 * Prometheus metrics of one node: {@link io.cairn.server.metrics.NodeMetrics} owns the registry
 * and the counters/histograms every layer records into; scrape-time gauges read partition state
 * through the broker seam. Nothing here does I/O beyond rendering the text exposition, and
 * nothing here knows about HTTP routing or Raft.
 */
package io.cairn.server.metrics;
