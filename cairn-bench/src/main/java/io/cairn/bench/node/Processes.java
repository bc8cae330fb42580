package io.cairn.bench.node;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every process a scenario starts is registered here and killed (SIGKILL, descendants first)
 * when the scenario ends or the JVM exits, so an interrupted benchmark never leaves a node
 * running on a shared machine.
 */
public final class Processes {
    private static final List<Process> LIVE = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Processes::killAll, "cairn-bench-reaper"));
    }

    private Processes() {}

    public static synchronized Process register(Process p) {
        LIVE.add(p);
        return p;
    }

    /** SIGKILLs the process and everything it started, and waits (bounded) until it is gone. */
    public static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                System.err.println("cairn-bench: process " + p.pid() + " did not die within 10 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (Processes.class) {
            LIVE.remove(p);
        }
    }

    public static void killAll() {
        List<Process> copy;
        synchronized (Processes.class) {
            copy = new ArrayList<>(LIVE);
        }
        for (Process p : copy) {
            kill(p);
        }
    }
}
