package io.cairn.core;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Keeps {@code cairn-core} a pure step function (DESIGN.md §2): no files, sockets, threads,
 * clocks or unseeded randomness. The simulator's determinism and every replayable seed depend
 * on this.
 */
class CorePurityTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.cairn.core");

    @Test
    void coreDoesNotTouchFilesOrSockets() {
        ArchRule rule = noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "java.io..", "java.nio.file..", "java.nio.channels..", "java.net..",
                        "io.netty..", "sun.nio..")
                .because("cairn-core is pure: I/O happens in cairn-storage and cairn-server");
        rule.check(CORE);
    }

    @Test
    void coreDoesNotUseThreadsOrExecutors() {
        ArchRule rule = noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "java.util.concurrent..")
                .orShould().dependOnClassesThat().areAssignableTo(Thread.class)
                .orShould().dependOnClassesThat().areAssignableTo(ThreadLocal.class)
                .because("each Raft group is driven by one thread owned by the server");
        rule.check(CORE);
    }

    @Test
    void coreDoesNotReadClocks() {
        ArchRule rule = noClasses().should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().dependOnClassesThat().resideInAnyPackage("java.time..")
                .because("time enters the core only as ticks and timestamps passed in");
        rule.check(CORE);
    }

    @Test
    void coreDoesNotCreateUnseededRandomness() {
        ArchRule rule = noClasses().should().callConstructor(java.util.Random.class)
                .orShould().dependOnClassesThat().areAssignableTo(java.security.SecureRandom.class)
                .orShould().callMethod(Math.class, "random")
                .orShould().callMethod(java.util.UUID.class, "randomUUID")
                .because("randomness is a seeded source passed in, so every run replays");
        rule.check(CORE);
    }
}
