package io.cairn.server.transport;

import java.util.Objects;

/** Where a peer listens for peer traffic. */
public record PeerAddress(String nodeId, String host, int port) {
    public PeerAddress {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer port out of range 1..65535: " + port);
        }
    }

    @Override
    public String toString() {
        return nodeId + "=" + host + ":" + port;
    }
}
