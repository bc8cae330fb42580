package io.cairn.core;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.Timer;
import java.util.TimerTask;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * Classes that break one purity rule each, for {@link CorePurityTest} to prove its rules catch
 * them. They live in test sources, which the core import excludes, and are never run.
 */
@SuppressWarnings("unused")
final class CorePurityViolations {
    private CorePurityViolations() {}

    static final class ReadsAFile {
        boolean exists() {
            return new File("state").exists();
        }
    }

    static final class UsesNioFiles {
        byte[] read() throws IOException {
            return Files.readAllBytes(Path.of("state"));
        }
    }

    static final class OpensAFileChannel {
        long size(Path p) throws IOException {
            try (FileChannel c = FileChannel.open(p)) {
                return c.size();
            }
        }
    }

    static final class StartsAProcess {
        Process start() throws IOException {
            return new ProcessBuilder("true").start();
        }
    }

    static final class ExecsACommand {
        Process start() throws IOException {
            return Runtime.getRuntime().exec(new String[] {"true"});
        }
    }

    static final class OpensASocket {
        Socket open() {
            return new Socket();
        }
    }

    static final class OpensASocketChannel {
        SocketChannel open() throws IOException {
            return SocketChannel.open();
        }
    }

    static final class StartsAThread {
        void start(Runnable r) {
            new Thread(r).start();
        }
    }

    static final class ExtendsThread extends Thread {
    }

    static final class UsesAnExecutorService {
        ExecutorService executor() {
            return Executors.newSingleThreadExecutor();
        }
    }

    static final class RunsAsync {
        Object run(Runnable r) {
            return CompletableFuture.runAsync(r);
        }
    }

    static final class UsesAThreadLocal {
        final ThreadLocal<Object> local = new ThreadLocal<>();
    }

    static final class SchedulesATimer {
        void schedule(TimerTask task) {
            new Timer().schedule(task, 1);
        }
    }

    static final class UsesAParallelStream {
        long count(List<String> items) {
            return items.parallelStream().count();
        }
    }

    static final class MakesAStreamParallel {
        int sum() {
            return IntStream.range(0, 10).parallel().sum();
        }
    }

    static final class ReadsCurrentTimeMillis {
        long now() {
            return System.currentTimeMillis();
        }
    }

    static final class ReadsNanoTime {
        long now() {
            return System.nanoTime();
        }
    }

    /** A method reference is not a call: the rule must catch it all the same. */
    static final class ReferencesCurrentTimeMillis {
        LongSupplier clock() {
            return System::currentTimeMillis;
        }
    }

    static final class ReadsInstantNow {
        Object now() {
            return Instant.now();
        }
    }

    static final class UsesAJavaTimeClock {
        long now(Clock clock) {
            return clock.millis();
        }
    }

    static final class MakesANewDate {
        Date now() {
            return new Date();
        }
    }

    static final class ReadsACalendar {
        Calendar now() {
            return Calendar.getInstance();
        }
    }

    static final class MakesANewRandom {
        int roll() {
            return new Random().nextInt(6);
        }
    }

    static final class ReferencesTheRandomConstructor {
        Supplier<Random> randoms() {
            return Random::new;
        }
    }

    /** An unseeded subclass: its implicit super() is Random's clock-seeded constructor. */
    static final class ExtendsRandomUnseeded extends Random {
    }

    static final class MakesASplittableRandom {
        SplittableRandom random() {
            return new SplittableRandom();
        }
    }

    static final class MakesASecureRandom {
        Object random() {
            return new java.security.SecureRandom();
        }
    }

    /** Also caught by the thread rule (java.util.concurrent); named here so the random rule does not rely on it. */
    static final class UsesThreadLocalRandom {
        int roll() {
            return ThreadLocalRandom.current().nextInt(6);
        }
    }

    static final class CallsMathRandom {
        double roll() {
            return Math.random();
        }
    }

    static final class MakesARandomUuid {
        UUID id() {
            return UUID.randomUUID();
        }
    }

    static final class UsesTheDefaultRandomGenerator {
        RandomGenerator random() {
            return RandomGenerator.getDefault();
        }
    }

    static final class NamesARandomGenerator {
        RandomGenerator random() {
            return RandomGenerator.of("L64X128MixRandom");
        }
    }

    static final class ShufflesWithHiddenRandom {
        void shuffle(List<String> items) {
            Collections.shuffle(items);
        }
    }

    /** What the core may do: everything here must pass every rule. */
    static final class Allowed {
        int roll(long seed) {
            return new Random(seed).nextInt(6);
        }

        LongFunction<Random> seeded() {
            return Random::new;
        }

        SplittableRandom split(long seed) {
            return new SplittableRandom(seed);
        }

        void shuffle(List<String> items, Random random) {
            Collections.shuffle(items, random);
        }

        Date at(long timestampMs) {
            return new Date(timestampMs);
        }

        long sum(List<Long> values) {
            return values.stream().mapToLong(Long::longValue).sum();
        }

        List<String> copy(List<String> items) {
            return new ArrayList<>(items);
        }
    }
}
