package io.cairn.server.cli;

/** Entry point of cairn-server; filled in by its issue. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.err.println("cairn-server: not built yet");
        System.exit(2);
    }
}
