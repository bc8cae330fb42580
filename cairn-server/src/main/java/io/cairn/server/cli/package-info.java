/**
 * The {@code cairn} command line (picocli): {@code start} runs one node; every setting is a flag,
 * a {@code CAIRN_*} environment variable and a {@code cairn.properties} key. Failures print one
 * line on stderr and exit non-zero. The {@code cluster} subcommand belongs here too (see
 * {@link io.cairn.server.cli.Main}). No node logic lives here: it builds a
 * {@link io.cairn.server.config.NodeConfig} and hands it to {@link io.cairn.server.node.CairnNode}.
 */
package io.cairn.server.cli;
