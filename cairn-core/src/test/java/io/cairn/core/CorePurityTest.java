package io.cairn.core;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.BaseStream;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Keeps {@code cairn-core} a pure step function (DESIGN.md §2): no files, sockets, threads,
 * clocks or unseeded randomness. The simulator's determinism and every replayable seed depend
 * on this.
 *
 * <p>Each rule is also run against small classes that break it ({@link CorePurityViolations}),
 * so a rule that stopped matching (a wrong owner class, a method reference instead of a call)
 * fails here instead of passing silently on a clean core.
 */
class CorePurityTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.cairn.core");
    private static final int ANY_PARAMS = -1;

    static final ArchRule NO_FILES_OR_SOCKETS = noClasses().should().dependOnClassesThat().resideInAnyPackage(
                    "java.io..", "java.nio.file..", "java.nio.channels..", "java.net..", "jdk.net..",
                    "java.lang.foreign..", "io.netty..", "sun.nio..")
            .orShould().dependOnClassesThat().areAssignableTo(ProcessBuilder.class)
            .orShould().accessTargetWhere(target(Runtime.class, "exec", ANY_PARAMS))
            .because("cairn-core is pure: I/O happens in cairn-storage and cairn-server");

    static final ArchRule NO_THREADS = noClasses().should().dependOnClassesThat().resideInAnyPackage(
                    "java.util.concurrent..")
            .orShould().dependOnClassesThat().areAssignableTo(Thread.class)
            .orShould().dependOnClassesThat().areAssignableTo(ThreadGroup.class)
            .orShould().dependOnClassesThat().areAssignableTo(ThreadLocal.class)
            .orShould().dependOnClassesThat().areAssignableTo(java.util.Timer.class)
            .orShould().dependOnClassesThat().areAssignableTo(java.util.TimerTask.class)
            // Parallel streams run on the common fork-join pool's threads.
            .orShould().accessTargetWhere(targetAssignableTo(Collection.class, "parallelStream"))
            .orShould().accessTargetWhere(targetAssignableTo(BaseStream.class, "parallel"))
            .because("each Raft group is driven by one thread owned by the server");

    static final ArchRule NO_CLOCKS = noClasses().should()
            .accessTargetWhere(target(System.class, "currentTimeMillis", ANY_PARAMS))
            .orShould().accessTargetWhere(target(System.class, "nanoTime", ANY_PARAMS))
            .orShould().dependOnClassesThat().resideInAnyPackage("java.time..")
            // new Date() reads the clock; new Date(ms) does not.
            .orShould().accessTargetWhere(target(java.util.Date.class, "<init>", 0))
            .orShould().accessTargetWhere(target(java.util.Calendar.class, "getInstance", ANY_PARAMS))
            .because("time enters the core only as ticks and timestamps passed in");

    static final ArchRule NO_UNSEEDED_RANDOMNESS = noClasses().should()
            // new Random() seeds itself from the clock; new Random(seed) replays.
            .accessTargetWhere(target(java.util.Random.class, "<init>", 0))
            .orShould().accessTargetWhere(target(java.util.SplittableRandom.class, "<init>", 0))
            .orShould().dependOnClassesThat().areAssignableTo(java.security.SecureRandom.class)
            .orShould().dependOnClassesThat().areAssignableTo(java.util.concurrent.ThreadLocalRandom.class)
            .orShould().accessTargetWhere(target(Math.class, "random", ANY_PARAMS))
            .orShould().accessTargetWhere(target(StrictMath.class, "random", ANY_PARAMS))
            .orShould().accessTargetWhere(target(java.util.UUID.class, "randomUUID", ANY_PARAMS))
            .orShould().accessTargetWhere(target(java.util.random.RandomGenerator.class, "getDefault", ANY_PARAMS))
            .orShould().accessTargetWhere(target(java.util.random.RandomGenerator.class, "of", ANY_PARAMS))
            .orShould().accessTargetWhere(target(java.util.random.RandomGeneratorFactory.class, "create", 0))
            // shuffle(list) uses a hidden, self-seeded Random; shuffle(list, random) is fine.
            .orShould().accessTargetWhere(target(Collections.class, "shuffle", 1))
            .because("randomness is a seeded source passed in, so every run replays");

    @Test
    void theImportSeesTheCore() {
        // A wrong package name or class path would make every rule below pass on nothing.
        assertThat(CORE.contain(Invariants.class)).isTrue();
        assertThat(CORE.size()).isGreaterThan(20);
    }

    @Test
    void coreDoesNotTouchFilesOrSockets() {
        NO_FILES_OR_SOCKETS.check(CORE);
    }

    @Test
    void coreDoesNotUseThreadsOrExecutors() {
        NO_THREADS.check(CORE);
    }

    @Test
    void coreDoesNotReadClocks() {
        NO_CLOCKS.check(CORE);
    }

    @Test
    void coreDoesNotCreateUnseededRandomness() {
        NO_UNSEEDED_RANDOMNESS.check(CORE);
    }

    static Stream<Arguments> violations() {
        return Stream.of(
                arguments("files", NO_FILES_OR_SOCKETS, CorePurityViolations.ReadsAFile.class),
                arguments("files", NO_FILES_OR_SOCKETS, CorePurityViolations.UsesNioFiles.class),
                arguments("files", NO_FILES_OR_SOCKETS, CorePurityViolations.OpensAFileChannel.class),
                arguments("files", NO_FILES_OR_SOCKETS, CorePurityViolations.StartsAProcess.class),
                arguments("files", NO_FILES_OR_SOCKETS, CorePurityViolations.ExecsACommand.class),
                arguments("sockets", NO_FILES_OR_SOCKETS, CorePurityViolations.OpensASocket.class),
                arguments("sockets", NO_FILES_OR_SOCKETS, CorePurityViolations.OpensASocketChannel.class),
                arguments("threads", NO_THREADS, CorePurityViolations.StartsAThread.class),
                arguments("threads", NO_THREADS, CorePurityViolations.ExtendsThread.class),
                arguments("threads", NO_THREADS, CorePurityViolations.UsesAnExecutorService.class),
                arguments("threads", NO_THREADS, CorePurityViolations.RunsAsync.class),
                arguments("threads", NO_THREADS, CorePurityViolations.UsesAThreadLocal.class),
                arguments("threads", NO_THREADS, CorePurityViolations.SchedulesATimer.class),
                arguments("threads", NO_THREADS, CorePurityViolations.UsesAParallelStream.class),
                arguments("threads", NO_THREADS, CorePurityViolations.MakesAStreamParallel.class),
                arguments("clocks", NO_CLOCKS, CorePurityViolations.ReadsCurrentTimeMillis.class),
                arguments("clocks", NO_CLOCKS, CorePurityViolations.ReadsNanoTime.class),
                arguments("clocks", NO_CLOCKS, CorePurityViolations.ReferencesCurrentTimeMillis.class),
                arguments("clocks", NO_CLOCKS, CorePurityViolations.ReadsInstantNow.class),
                arguments("clocks", NO_CLOCKS, CorePurityViolations.UsesAJavaTimeClock.class),
                arguments("clocks", NO_CLOCKS, CorePurityViolations.MakesANewDate.class),
                arguments("clocks", NO_CLOCKS, CorePurityViolations.ReadsACalendar.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.MakesANewRandom.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.ReferencesTheRandomConstructor.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.ExtendsRandomUnseeded.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.MakesASplittableRandom.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.MakesASecureRandom.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.UsesThreadLocalRandom.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.CallsMathRandom.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.MakesARandomUuid.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.UsesTheDefaultRandomGenerator.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.NamesARandomGenerator.class),
                arguments("random", NO_UNSEEDED_RANDOMNESS, CorePurityViolations.ShufflesWithHiddenRandom.class));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("violations")
    void eachRuleCatchesAClassThatBreaksIt(String category, ArchRule rule, Class<?> violator) {
        JavaClasses classes = new ClassFileImporter().importClasses(violator);
        assertThat(rule.evaluate(classes).hasViolation())
                .as("the %s rule catches %s", category, violator.getSimpleName()).isTrue();
    }

    @Test
    void theRulesAllowWhatTheCoreMayDo() {
        // Seeded randomness, timestamps passed in, plain collections and sequential streams.
        JavaClasses classes = new ClassFileImporter().importClasses(CorePurityViolations.Allowed.class);
        for (ArchRule rule : List.of(NO_FILES_OR_SOCKETS, NO_THREADS, NO_CLOCKS, NO_UNSEEDED_RANDOMNESS)) {
            assertThat(rule.evaluate(classes).getFailureReport().getDetails()).as(rule.getDescription()).isEmpty();
        }
    }

    /** An access (call or method reference) to {@code owner.name} with {@code params} parameters (or any). */
    private static DescribedPredicate<JavaAccess<?>> target(Class<?> owner, String name, int params) {
        return DescribedPredicate.describe(owner.getName() + "." + name
                        + (params == ANY_PARAMS ? "" : " with " + params + " parameters"),
                access -> access.getTargetOwner().isEquivalentTo(owner) && access.getTarget().getName().equals(name)
                        && (params == ANY_PARAMS || parameterCount(access.getTarget()) == params));
    }

    /** An access to a method {@code name} of {@code type} or any of its subtypes (List.parallelStream). */
    private static DescribedPredicate<JavaAccess<?>> targetAssignableTo(Class<?> type, String name) {
        Predicate<JavaAccess<?>> p = access -> access.getTargetOwner().isAssignableTo(type)
                && access.getTarget().getName().equals(name);
        return DescribedPredicate.describe(type.getName() + "." + name, p);
    }

    private static int parameterCount(AccessTarget target) {
        return target instanceof AccessTarget.CodeUnitAccessTarget c ? c.getRawParameterTypes().size() : -2;
    }
}
