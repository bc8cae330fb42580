package io.cairn.bench.load;

/**
 * Called on the caller's thread when the measured window starts and ends, so a scenario can
 * scrape server metrics and mark GC logs at the same instants the client starts and stops
 * recording. Each call should take milliseconds; it runs while the load keeps flowing.
 */
public interface WindowListener {
    WindowListener NONE = new WindowListener() {};

    default void started() throws Exception {}

    default void ended() throws Exception {}
}
