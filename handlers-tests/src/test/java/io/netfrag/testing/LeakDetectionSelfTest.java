package io.netfrag.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Proves that leak detection really catches a leak (else a silent misconfiguration would pass every test): the
 * globally registered extension fails a class that leaks, and the final sweep reports a leak that only shows after
 * the last test.
 */
class LeakDetectionSelfTest {
    /** The configuration parameter that lets {@link Leaking} run (only inside the test kit below). */
    static final String RUN_LEAKING = "netfrag.leakSelfTest";

    private static void leak() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        // dropped without release on purpose
    }

    @Test
    void leakedBufferIsReported() throws Exception {
        leak();
        AssertionError error = assertThrows(AssertionError.class, () -> new LeakDetectionExtension().afterAll(null));
        assertTrue(error.getMessage().contains("LEAK"), error.getMessage());
    }

    /**
     * A class whose test passes but leaks, run through the JUnit Platform test kit with extension auto-detection as
     * the build configures it: the extension found through {@code META-INF/services} fails the class.
     */
    @Test
    void theRegisteredExtensionFailsAClassThatLeaks() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .configurationParameter(RUN_LEAKING, "true")
                .selectors(selectClass(Leaking.class)).execute();
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        List<Event> failed = results.containerEvents().failed().list();
        assertEquals(1, failed.size(), results.containerEvents().list().toString());
        Throwable cause = failed.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).orElseThrow();
        assertTrue(cause instanceof AssertionError && cause.getMessage().contains("LEAK"), String.valueOf(cause));
        assertTrue(failed.get(0).getTestDescriptor().getDisplayName().contains("Leaking"),
                failed.get(0).getTestDescriptor().getDisplayName());
    }

    /** The final sweep writes what it finds to the report file that fails {@code verify}, and nothing when clean. */
    @Test
    void theFinalSweepReportsALeakLeftByTheLastTest(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("target/netfrag-leaks.txt");
        java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(LeakSweepListener.sweep(report, out));
        assertFalse(Files.exists(report));
        leak();
        assertTrue(LeakSweepListener.sweep(report, out));
        assertTrue(Files.readString(report).contains("LEAK"), Files.readString(report));
        assertTrue(console.toString(java.nio.charset.StandardCharsets.UTF_8).startsWith("LEAK found by the final sweep"));
    }

    /** Leaks one buffer in a test that otherwise passes; runs only inside the test kit. */
    @ExtendWith(OnlyInTestKit.class)
    static class Leaking {
        @Test
        void passesButLeaks() {
            leak();
        }
    }

    /** Enables {@link Leaking} only when the test kit sets {@link #RUN_LEAKING}. */
    static final class OnlyInTestKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(RUN_LEAKING).isPresent()
                    ? ConditionEvaluationResult.enabled("inside the leak self-test")
                    : ConditionEvaluationResult.disabled("a deliberately leaking class for LeakDetectionSelfTest");
        }
    }
}
