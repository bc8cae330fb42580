/**
 * Process control for chaos runs: starting Cairn nodes as separate JVMs on loopback with free
 * ports, data directories under one run folder and peer addresses that point at the fault proxies;
 * SIGKILL, SIGSTOP/SIGCONT and restart; byte flips in sealed segments while a node is down; power
 * cuts through the cairn-lossyfs FUSE filesystem ({@link io.cairn.chaos.cluster.LossyFs}), which
 * drops every write a node had not fsynced. The harness touches nodes only through processes, files of stopped nodes and the public HTTP API.
 */
package io.cairn.chaos.cluster;
