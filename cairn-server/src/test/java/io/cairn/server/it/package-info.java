/**
 * Integration tests against real nodes: real sockets on 127.0.0.1, real temp data directories,
 * the real partition replicas, and the JDK HttpClient as the client. {@link io.cairn.server.it.TestNode}
 * runs a node in-process; the CLI tests start real processes. {@link io.cairn.server.it.LauncherIT}
 * runs the root {@code ./cairn} launcher script itself (JDK search, rebuild when stale).
 */
package io.cairn.server.it;
