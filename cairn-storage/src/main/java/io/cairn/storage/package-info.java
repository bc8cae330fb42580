/**
 * The storage engine's public seam: {@link io.cairn.storage.SegmentLog} (one partition replica's
 * log of CRC32C-framed entries in segment files), {@link io.cairn.storage.Flusher} (group-commit
 * fsync, one per disk), {@link io.cairn.storage.AtomicStateFile} (small state replaced atomically)
 * and the typed failures a node acts on.
 *
 * <p>Storage knows nothing of Raft roles, HTTP or record encoding: entry types and payloads are
 * opaque bytes. The file formats live in {@code impl}; see the module README.
 */
package io.cairn.storage;
