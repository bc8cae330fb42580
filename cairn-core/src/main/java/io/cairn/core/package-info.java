/**
 * Cairn's pure logic: value types shared by every module, {@link io.cairn.core.Invariants},
 * and (in sub-packages) the Raft step function and the partition state machine.
 *
 * <p>Nothing in {@code cairn-core} touches files, sockets, threads, clocks or unseeded
 * randomness: time arrives as ticks, randomness as a seeded source passed in, and I/O as
 * inputs and outputs of a step. {@code CorePurityTest} enforces this.
 */
package io.cairn.core;
