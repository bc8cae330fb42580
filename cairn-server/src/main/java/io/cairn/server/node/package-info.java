/**
 * One running node: {@link io.cairn.server.node.CairnNode} wires configuration, the data
 * directory, the partition engine, the topic registry, metrics and the HTTP API, and tears them
 * down in order. Startup failures are {@link io.cairn.server.node.StartupException}s carrying the
 * one line the command line prints. No request handling or storage logic lives here.
 */
package io.cairn.server.node;
