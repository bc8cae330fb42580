/**
 * JMH micro-benchmarks of hot paths (frame encoding with CRC32C, index lookup, HTTP request
 * parsing). Run with {@code ./cairn bench jmh [pattern]}; results are numbers, never assertions.
 */
package io.cairn.bench.jmh;
