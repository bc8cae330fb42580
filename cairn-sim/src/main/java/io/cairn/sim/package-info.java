/**
 * Deterministic simulation of whole Cairn clusters running the real Raft core
 * ({@code io.cairn.core.raft}): one thread, simulated time, and every choice drawn from one
 * seed, so any failing run replays exactly.
 *
 * <p>What lives here: the event {@link io.cairn.sim.Scheduler}, the seeded
 * {@link io.cairn.sim.SimNetwork} and {@link io.cairn.sim.SimDisk}, the driver that runs the
 * core the way the server does, the workload, and the invariant checker. What must not: real
 * time ({@code System.nanoTime}, {@code Thread.sleep}), real I/O, threads, unseeded randomness,
 * or iteration over identity-hashed collections, any of which would break replay.
 */
package io.cairn.sim;
