package io.cairn.chaos.cluster;

import java.nio.file.Path;

/** Fixed identity of one node in a run: id, real ports, data directory and log file. */
public record NodeSpec(String id, int httpPort, int peerPort, Path dataDir, Path logFile) {
    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }
}
