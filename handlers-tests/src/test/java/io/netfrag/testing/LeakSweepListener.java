package io.netfrag.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * The last leak sweep: after the whole test plan it collects garbage once more and makes Netty report, so that a
 * buffer dropped by the last class (or by code that outlived its test, such as an event loop shutting down) is caught
 * too. A listener cannot fail the run itself: it prints the reports and writes them to the file named by the system
 * property {@code netfrag.leakReport}, and the build's enforcer rule fails {@code verify} when that file exists.
 * Registered through {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}.
 */
public final class LeakSweepListener implements TestExecutionListener {
    /** The report file, or {@code null} when the property is not set (a run outside Maven). */
    static Path reportFile() {
        String p = System.getProperty("netfrag.leakReport");
        return p == null ? null : Path.of(p);
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        Path report = reportFile();
        if (report != null) {
            try {
                Files.deleteIfExists(report);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        try {
            sweep(reportFile(), System.err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sweeps now; reports any leak on {@code console} and in {@code report}.
     *
     * @return whether a leak was reported
     */
    static boolean sweep(Path report, java.io.PrintStream console) throws InterruptedException {
        AssertionError leaks = LeakDetectionExtension.leaksSinceLastCheck();
        if (leaks == null) {
            return false;
        }
        String text = "LEAK found by the final sweep after the last test: " + leaks.getMessage();
        console.println(text);
        if (report != null) {
            try {
                Files.createDirectories(report.toAbsolutePath().getParent());
                Files.writeString(report, text + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return true;
    }
}
