/**
 * Turning measurements into the markdown table: latency formatting, Prometheus text scraping
 * (server-side timings), GC log parsing. Pure functions over numbers and text; no sockets here.
 */
package io.cairn.bench.report;
