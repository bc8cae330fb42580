package io.cairn.server.cli;

import io.cairn.server.config.NodeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Precedence flag > env > file > default, and one-line errors, without starting a node. */
class MainConfigTest {
    @TempDir
    Path dir;

    private NodeConfig parse(Map<String, String> env, String... args) {
        var sources = SettingSources.load(null, env);
        var cmd = new StartCommand();
        var cli = new CommandLine(cmd);
        cli.setDefaultValueProvider(sources);
        cli.parseArgs(args);
        return cmd.toConfig();
    }

    @Test
    void flagBeatsEnvBeatsFileBeatsDefault() throws Exception {
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "port=7003\ndata.dir=from-file\nsegment-bytes=64MiB\nlog.level=WARN\n");
        Map<String, String> env = Map.of("CAIRN_CONFIG", file.toString(), "CAIRN_PORT", "7002");
        NodeConfig c = parse(env, "--data-dir", "from-flag");
        assertThat(c.port()).isEqualTo(7002);
        assertThat(c.dataDir().toString()).isEqualTo("from-flag");
        assertThat(c.segmentBytes()).isEqualTo(64L << 20);
        assertThat(c.logLevel()).isEqualTo("WARN");
        assertThat(c.maxBodyBytes()).isEqualTo(8 << 20);
        assertThat(parse(env, "--port", "7001").port()).isEqualTo(7001);
    }

    @Test
    void tokensFromEnvAreSemicolonSeparated() {
        NodeConfig c = parse(Map.of("CAIRN_TOKEN", "a:0123456789abcdef:admin;b:0123456789abcdeg:consume:x*"));
        assertThat(c.tokens()).extracting(t -> t.name()).containsExactly("a", "b");
    }

    @Test
    void badValuesAreOneLineNamingTheirSource() throws Exception {
        var err = new StringWriter();
        int code = Main.run(new String[] {"start"}, Map.of("CAIRN_PORT", "abc"), new PrintWriter(new StringWriter()),
            new PrintWriter(err));
        assertThat(code).isNotZero();
        assertThat(err.toString().lines().toList()).hasSize(1);
        assertThat(err.toString()).contains("--port").contains("CAIRN_PORT");

        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "prot=1\n");
        err = new StringWriter();
        code = Main.run(new String[] {"start", "--config", file.toString()}, Map.of(), new PrintWriter(new StringWriter()),
            new PrintWriter(err));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().lines().toList()).hasSize(1);
        assertThat(err.toString()).contains("unknown key 'prot'");

        err = new StringWriter();
        code = Main.run(new String[] {"start", "--max-record-bytes", "16MiB"}, Map.of(), new PrintWriter(new StringWriter()),
            new PrintWriter(err));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().lines().toList()).hasSize(1);
        assertThat(err.toString()).startsWith("cairn: --max-record-bytes");
    }

    private static final String PEERS = "n1=127.0.0.1:7101@http://127.0.0.1:7001,n2=127.0.0.1:7102@http://127.0.0.1:7002";

    @Test
    void clusterSettingsAreFlagsEnvironmentVariablesAndFileKeys() throws Exception {
        NodeConfig defaults = parse(Map.of());
        assertThat(defaults.join()).isFalse();
        assertThat(defaults.clusterId()).isEqualTo("cairn");
        assertThat(defaults.leaderRebalanceDelayMs()).isEqualTo(30_000);

        NodeConfig flags = parse(Map.of(), "--peers", PEERS, "--port", "7001", "--join", "--cluster-id", "prod",
            "--leader-rebalance-delay-ms", "0");
        assertThat(flags.join()).isTrue();
        assertThat(flags.clusterId()).isEqualTo("prod");
        assertThat(flags.leaderRebalanceDelayMs()).isZero();

        NodeConfig env = parse(Map.of("CAIRN_JOIN", "1", "CAIRN_CLUSTER_ID", "edge", "CAIRN_PEERS", PEERS,
            "CAIRN_PORT", "7001", "CAIRN_LEADER_REBALANCE_DELAY_MS", "5000"));
        assertThat(env.join()).isTrue();
        assertThat(env.clusterId()).isEqualTo("edge");
        assertThat(env.leaderRebalanceDelayMs()).isEqualTo(5000);
        assertThat(parse(Map.of("CAIRN_JOIN", "1", "CAIRN_PEERS", PEERS, "CAIRN_PORT", "7001"), "--join=false").join())
            .as("a flag beats the environment").isFalse();

        Path file = dir.resolve("cluster.properties");
        Files.writeString(file, "join=true\ncluster.id=site-7\npeers=" + PEERS + "\nport=7001\nleader.rebalance.delay.ms=100\n");
        NodeConfig fromFile = parse(Map.of("CAIRN_CONFIG", file.toString()));
        assertThat(fromFile.join()).isTrue();
        assertThat(fromFile.clusterId()).isEqualTo("site-7");
        assertThat(fromFile.leaderRebalanceDelayMs()).isEqualTo(100);
    }

    @Test
    void badClusterSettingsAreOneClearLine() {
        var err = new StringWriter();
        int code = Main.run(new String[] {"start", "--join"}, Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("cairn: --join needs --peers");
        err = new StringWriter();
        code = Main.run(new String[] {"start"}, Map.of("CAIRN_JOIN", "maybe"), new PrintWriter(new StringWriter()),
            new PrintWriter(err));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().lines().toList()).hasSize(1);
        assertThat(err.toString()).contains("--join must be true or false");
        err = new StringWriter();
        code = Main.run(new String[] {"start", "--cluster-id", "a b"}, Map.of(), new PrintWriter(new StringWriter()),
            new PrintWriter(err));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("--cluster-id 'a b' must match");
    }
}
