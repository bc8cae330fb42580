package io.cairn.bench.load;

/**
 * The measured window of a run, in {@link System#nanoTime()} terms. A request belongs to the
 * window when its intended start time falls inside it; requests intended during warm-up are sent
 * (they warm the JIT, caches and page cache) but never recorded.
 */
record LoadWindow(long startNanos, long endNanos) {
    boolean measures(long intendedNanos) {
        return intendedNanos >= startNanos && intendedNanos < endNanos;
    }
}
