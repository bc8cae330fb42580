package io.cairn.bench;

/** Entry point of cairn-bench; filled in by its issue. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        System.err.println("cairn-bench: not built yet");
        System.exit(2);
    }
}
