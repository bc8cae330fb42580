package io.cairn.chaos;

/** Entry point of cairn-chaos; filled in by its issue. */
public final class ChaosMain {
    private ChaosMain() {}

    public static void main(String[] args) {
        System.err.println("cairn-chaos: not built yet");
        System.exit(2);
    }
}
