/**
 * Starting, probing and killing real node processes (through the {@code cairn} launcher) for
 * scenarios. Every process started here is tracked and killed, descendants included, when the
 * scenario ends, normally or not.
 */
package io.cairn.bench.node;
