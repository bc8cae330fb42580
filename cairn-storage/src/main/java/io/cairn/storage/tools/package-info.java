/**
 * Command-line tools for the storage engine: {@link io.cairn.storage.tools.StorageBench} measures
 * group-commit throughput and open time. Nothing here is used by the node at run time.
 */
package io.cairn.storage.tools;
