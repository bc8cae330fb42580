/**
 * The fault-injecting TCP proxy. One {@link io.cairn.chaos.proxy.FaultProxy} sits on each ordered
 * node pair, so node A's connections to node B's peer port go through proxy A→B and a direction
 * can be cut on its own. {@link io.cairn.chaos.proxy.ProxyMesh} turns partition shapes (isolate,
 * split, one-way) into per-proxy settings. Nothing here knows about Cairn's protocol: the proxy
 * moves bytes and never parses them.
 */
package io.cairn.chaos.proxy;
