package io.cairn.client;

import java.time.Duration;

/** How the client waits between attempts; a seam so unit tests can observe waits instead of taking them. */
interface Sleeper {
    void sleep(Duration d) throws InterruptedException;

    Sleeper REAL = d -> Thread.sleep(d.toMillis());
}
