/**
 * The node's configuration: one validated {@link io.cairn.server.config.NodeConfig} built from
 * flags, {@code CAIRN_*} environment variables and {@code cairn.properties} (in that order of
 * precedence), plus the parsing of peers and tokens. Validation failures are
 * {@link io.cairn.server.config.ConfigException}s whose message is the one line the node prints
 * before exiting. Nothing here opens sockets or data files.
 */
package io.cairn.server.config;
