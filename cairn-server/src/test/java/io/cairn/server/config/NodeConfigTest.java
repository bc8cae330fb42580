package io.cairn.server.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeConfigTest {
    @Test
    void defaultsRunASingleDurableNodeOn1109() {
        NodeConfig c = NodeConfig.builder().build();
        assertThat(c.port()).isEqualTo(1109);
        assertThat(c.dataDir().toString()).isEqualTo("data");
        assertThat(c.peers()).isEmpty();
        assertThat(c.maxRecordBytes()).isEqualTo(1 << 20);
        assertThat(c.maxBodyBytes()).isEqualTo(8 << 20);
    }

    @Test
    void peersParseAndMustIncludeThisNode() {
        var b = NodeConfig.builder();
        b.nodeId = "n2";
        b.port = 7002;
        b.peers = Peer.parseList("n1=127.0.0.1:7101@http://127.0.0.1:7001,n2=127.0.0.1:7102@http://127.0.0.1:7002/");
        NodeConfig c = b.build();
        assertThat(c.peerPort()).isEqualTo(7102);
        assertThat(c.self().httpBase()).isEqualTo("http://127.0.0.1:7002");

        b.nodeId = "n3";
        assertThatThrownBy(b::build).isInstanceOf(ConfigException.class).hasMessageContaining("not among --peers");
    }

    @Test
    void inconsistentSettingsAreOneLineErrors() {
        var b = NodeConfig.builder();
        b.nodeId = "n1";
        b.port = 7009;
        b.peers = Peer.parseList("n1=127.0.0.1:7101@http://127.0.0.1:7001");
        assertThatThrownBy(b::build).hasMessageContaining("--port 7009 differs");

        var c = NodeConfig.builder();
        c.maxRecordBytes = 10 << 20;
        assertThatThrownBy(c::build).hasMessageContaining("--max-record-bytes").hasMessageContaining("--max-body-bytes");

        var d = NodeConfig.builder();
        d.peerPort = 1109;
        assertThatThrownBy(d::build).hasMessageContaining("must differ");

        var e = NodeConfig.builder();
        e.tokens = List.of(TokenSpec.parse("a:0123456789abcdef:admin", "t"), TokenSpec.parse("a:0123456789abcdeg:admin", "t"));
        assertThatThrownBy(e::build).hasMessageContaining("unique");
    }

    @Test
    void malformedPeersAndTokensSayWhatIsExpected() {
        assertThatThrownBy(() -> Peer.parseList("n1=127.0.0.1@http://x")).hasMessageContaining("no peer port");
        assertThatThrownBy(() -> Peer.parseList("n1=h:1@ftp://x")).hasMessageContaining("http://");
        assertThatThrownBy(() -> Peer.parseList("n1=h:1@http://a,n1=h:2@http://b")).hasMessageContaining("twice");
        assertThatThrownBy(() -> TokenSpec.parse("a:short:admin", "--token")).hasMessageContaining("at least 16");
        assertThatThrownBy(() -> TokenSpec.parse("a:0123456789abcdef:write:x", "--token")).hasMessageContaining("invalid scope");
        assertThatThrownBy(() -> TokenSpec.parse("only-name", "--token"))
            .hasMessageContaining("NAME:SECRET:scope1,scope2").hasMessageNotContaining("only-name:");
        assertThat(TokenSpec.parse("app:0123456789abcdef:produce:a*,consume:b", "t").scopes())
            .containsExactly("produce:a*", "consume:b");
        assertThat(TokenSpec.parse("app:0123456789abcdef:admin", "t").toString()).doesNotContain("0123456789abcdef");
    }
}
