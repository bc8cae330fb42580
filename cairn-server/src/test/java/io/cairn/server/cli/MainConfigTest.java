package io.cairn.server.cli;

import io.cairn.server.config.NodeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

        // 'config' and 'help' are options but not settings: in the file they would be ignored.
        for (String notASetting : new String[] {"config=other.properties", "help=true"}) {
            Files.writeString(file, notASetting + "\n");
            err = new StringWriter();
            code = Main.run(new String[] {"start", "--config", file.toString()}, Map.of(), new PrintWriter(new StringWriter()),
                new PrintWriter(err));
            assertThat(code).as(notASetting).isEqualTo(1);
            assertThat(err.toString()).contains("unknown key '" + notASetting.substring(0, notASetting.indexOf('=')) + "'");
        }

        err = new StringWriter();
        code = Main.run(new String[] {"start", "--max-record-bytes", "16MiB"}, Map.of(), new PrintWriter(new StringWriter()),
            new PrintWriter(err));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().lines().toList()).hasSize(1);
        assertThat(err.toString()).startsWith("cairn: --max-record-bytes");
    }

    /** {@code cairn start} with nothing configured: a durable single node on :1109 with data in ./data. */
    @Test
    void nothingConfiguredIsOneOpenNodeOnPort1109WithDataInDotData() {
        NodeConfig c = parse(Map.of());
        assertThat(c.port()).isEqualTo(1109);
        assertThat(c.dataDir().toString()).isEqualTo("data");
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.peers()).isEmpty();
        assertThat(c.tokens()).isEmpty();
        assertThat(c.defaultAcks().name()).isEqualTo("MAJORITY");
    }

    /** A non-default value for one option and where it lands in the configuration. */
    private record Setting(String option, String value, java.util.function.Function<NodeConfig, Object> read,
                           Object expected, String... context) {}

    private static final String TWO_PEERS =
        "n1=127.0.0.1:7101@http://127.0.0.1:1109,n2=127.0.0.1:7102@http://127.0.0.1:7002";

    private List<Setting> everySetting() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens.txt"), "# ops\nops:0123456789abcdef0123:admin\n");
        return List.of(
            new Setting("port", "7009", NodeConfig::port, 7009),
            new Setting("host", "127.0.0.1", NodeConfig::host, "127.0.0.1"),
            new Setting("data-dir", "elsewhere", c -> c.dataDir().toString(), "elsewhere"),
            new Setting("node-id", "n7", NodeConfig::nodeId, "n7"),
            new Setting("peer-port", "7105", NodeConfig::peerPort, 7105),
            new Setting("peers", TWO_PEERS, c -> c.peers().size(), 2),
            new Setting("token", "app:0123456789abcdef0123:produce:x*", c -> c.tokens().stream().map(t -> t.name()).toList(), List.of("app")),
            new Setting("tokens-file", tokens.toString(), c -> c.tokens().stream().map(t -> t.name()).toList(), List.of("ops")),
            new Setting("max-disk-bytes", "3GiB", NodeConfig::maxDiskBytes, 3L << 30),
            new Setting("segment-bytes", "64MiB", NodeConfig::segmentBytes, 64L << 20),
            new Setting("segment-ms", "1000", NodeConfig::segmentMs, 1000L),
            new Setting("max-record-bytes", "2KiB", NodeConfig::maxRecordBytes, 2048),
            new Setting("max-body-bytes", "4MiB", NodeConfig::maxBodyBytes, 4 << 20),
            new Setting("max-batch-records", "77", NodeConfig::maxBatchRecords, 77),
            new Setting("max-idempotency-key-bytes", "64", NodeConfig::maxIdempotencyKeyBytes, 64),
            new Setting("max-consume-records", "500", NodeConfig::maxConsumeRecords, 500),
            new Setting("max-consume-bytes", "1MiB", NodeConfig::maxConsumeBytes, 1L << 20),
            new Setting("max-wait-ms", "1234", NodeConfig::maxWaitMs, 1234L),
            new Setting("max-timeout-ms", "99999", NodeConfig::maxTimeoutMs, 99_999L),
            new Setting("dedupe-window-ms", "60000", NodeConfig::dedupeWindowMs, 60_000L),
            new Setting("dedupe-window-keys", "5000", NodeConfig::dedupeWindowKeys, 5000L),
            new Setting("default-acks", "all", c -> c.defaultAcks().name(), "ALL"),
            new Setting("default-timeout-ms", "777", NodeConfig::defaultTimeoutMs, 777L),
            new Setting("retention-check-ms", "250", NodeConfig::retentionCheckMs, 250L),
            new Setting("sse-heartbeat-ms", "900", NodeConfig::sseHeartbeatMs, 900L),
            new Setting("io-threads", "3", NodeConfig::ioThreads, 3),
            new Setting("max-connections", "42", NodeConfig::maxConnections, 42),
            new Setting("log-level", "debug", NodeConfig::logLevel, "DEBUG"),
            new Setting("cluster-id", "site-9", NodeConfig::clusterId, "site-9"),
            new Setting("join", "true", NodeConfig::join, true, "--peers", TWO_PEERS),
            new Setting("leader-rebalance-delay-ms", "0", NodeConfig::leaderRebalanceDelayMs, 0L));
    }

    /**
     * Issue 4: every setting is a flag, an environment variable and a properties-file key. Each
     * option of {@code cairn start} is set three ways (flag; CAIRN_ variable; file key with dots)
     * and must arrive in the configuration each time; an option missing from this table fails
     * the test, so a new setting cannot skip a source unnoticed.
     */
    @Test
    void everySettingIsAFlagAnEnvironmentVariableAndAFileKey() throws Exception {
        List<Setting> settings = everySetting();
        var options = new java.util.TreeSet<String>();
        new CommandLine(new StartCommand()).getCommandSpec().options()
            .forEach(o -> options.add(o.longestName().substring(2)));
        options.removeAll(List.of("help", "config"));
        assertThat(settings.stream().map(Setting::option).toList())
            .as("a row per option of cairn start").containsExactlyInAnyOrderElementsOf(options);

        for (Setting st : settings) {
            var defaults = parse(Map.of(), st.context());
            assertThat(st.read().apply(defaults)).as("--%s: the test value differs from the default", st.option())
                .isNotEqualTo(st.expected());

            var flagArgs = new java.util.ArrayList<>(List.of(st.context()));
            flagArgs.addAll(List.of("--" + st.option(), st.value()));
            assertThat(st.read().apply(parse(Map.of(), flagArgs.toArray(String[]::new))))
                .as("--%s as a flag", st.option()).isEqualTo(st.expected());

            String envKey = "CAIRN_" + st.option().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            assertThat(st.read().apply(parse(Map.of(envKey, st.value()), st.context())))
                .as("--%s as %s", st.option(), envKey).isEqualTo(st.expected());

            Path file = dir.resolve(st.option() + ".properties");
            Files.writeString(file, st.option().replace('-', '.') + "=" + st.value().replace("\\", "\\\\") + "\n");
            assertThat(st.read().apply(parse(Map.of("CAIRN_CONFIG", file.toString()), st.context())))
                .as("--%s as file key %s", st.option(), st.option().replace('-', '.')).isEqualTo(st.expected());
        }
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
