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
}
