/**
 * The client workload of a chaos run: producers with unique values and idempotency keys that
 * retry unknown outcomes with the same key, batch producers, readers that follow every partition
 * from offset 0, and group consumers that commit. Everything goes through {@code cairn-client},
 * the same client users get, and every operation is recorded in the history.
 */
package io.cairn.chaos.workload;
