/**
 * The ceilings every figure is read against: the disk's raw write+fsync rate with one writer,
 * and a bare Netty HTTP server that answers 200 without doing anything. Must not use any Cairn
 * server or storage code, or the baseline would no longer be independent of what it measures.
 */
package io.cairn.bench.baseline;
