/**
 * The recorded history of a chaos run: every client operation with its invoke and complete time,
 * node and outcome, every injected fault window, and the final reads of every partition on every
 * node. Written as JSON lines while the run goes, so a crashed harness still leaves evidence, and
 * read back by the checker. Nothing here judges; judging is {@code io.cairn.chaos.checker}'s job.
 */
package io.cairn.chaos.history;
