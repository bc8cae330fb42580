package io.cairn.server.cluster.metadata;

import java.util.Objects;

/** A cluster member as the metadata group knows it: where its peers and clients reach it. */
public record NodeInfo(String id, String peerHost, int peerPort, String httpUrl) {
    public NodeInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(peerHost, "peerHost");
        Objects.requireNonNull(httpUrl, "httpUrl");
        if (peerPort < 1 || peerPort > 65535) throw new IllegalArgumentException("peer port out of range: " + peerPort);
        httpUrl = httpUrl.endsWith("/") ? httpUrl.substring(0, httpUrl.length() - 1) : httpUrl;
    }
}
