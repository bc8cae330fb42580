package io.cairn.server.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One cluster member as {@code --peers} names it: {@code id=host:peerPort@httpUrl}, e.g.
 * {@code n1=127.0.0.1:7101@http://127.0.0.1:7001}.
 */
public record Peer(String id, String peerHost, int peerPort, URI httpUrl) {
    static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Parses a comma-separated peer list; an empty or blank string is no peers. */
    public static List<Peer> parseList(String text) {
        List<Peer> peers = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return peers;
        }
        var ids = new HashSet<String>();
        for (String item : text.split(",")) {
            Peer peer = parse(item.trim());
            if (!ids.add(peer.id())) {
                throw new ConfigException("--peers names node '" + peer.id() + "' twice");
            }
            peers.add(peer);
        }
        return peers;
    }

    static Peer parse(String item) {
        String example = " (expected id=host:peerPort@http://host:port, e.g. n1=127.0.0.1:7101@http://127.0.0.1:7001)";
        int eq = item.indexOf('=');
        int at = item.indexOf('@');
        if (eq <= 0 || at < eq) {
            throw new ConfigException("--peers entry '" + item + "' is malformed" + example);
        }
        String id = item.substring(0, eq);
        if (!NODE_ID.matcher(id).matches()) {
            throw new ConfigException("--peers entry '" + item + "': node id must match [A-Za-z0-9._-]{1,64}");
        }
        String address = item.substring(eq + 1, at);
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new ConfigException("--peers entry '" + item + "' has no peer port" + example);
        }
        int port = parsePort(address.substring(colon + 1), item);
        URI url;
        try {
            url = URI.create(item.substring(at + 1));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--peers entry '" + item + "' has an invalid HTTP URL" + example);
        }
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
            throw new ConfigException("--peers entry '" + item + "' needs an http:// URL" + example);
        }
        return new Peer(id, address.substring(0, colon), port, url);
    }

    private static int parsePort(String text, String item) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new ConfigException("--peers entry '" + item + "': port '" + text + "' is not 1-65535");
    }

    /** The base URL without a trailing slash, for redirects ({@code Location} = base + path). */
    public String httpBase() {
        String s = httpUrl.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
