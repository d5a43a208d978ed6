package io.netfrag.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector reports a leak. Registered for every test class through JUnit's
 * extension auto-detection ({@code META-INF/services} + {@code junit-platform.properties}); surefire runs with
 * {@code -Dio.netty.leakDetection.level=paranoid}.
 *
 * <p>Netty logs leaks through its internal logger, which is JDK logging when no SLF4J or Log4j is on the class path
 * (the case for netfrag's tests). A handler on the detector's logger collects every "LEAK:" record. After each test
 * class the extension runs the garbage collector and allocates a few tracked buffers, which makes the detector drain
 * its reference queue and report what was collected unreleased; any report fails the class that just ran (the record
 * names where the buffer was allocated and last touched). One sweep per class rather than per test keeps the cost of
 * the collections down; {@link LeakSweepListener} sweeps once more after the last class.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> LEAKS = new ArrayList<>();
    private static final Logger DETECTOR_LOGGER = Logger.getLogger(ResourceLeakDetector.class.getName());

    static {
        DETECTOR_LOGGER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record.getMessage();
                if (message != null && message.contains("LEAK:")) {
                    synchronized (LEAKS) {
                        LEAKS.add(format(record));
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        DETECTOR_LOGGER.setLevel(Level.ALL);
    }

    private static String format(LogRecord record) {
        String m = record.getMessage();
        Object[] params = record.getParameters();
        if (params != null) {
            for (Object p : params) {
                m = m.replaceFirst("\\{}", java.util.regex.Matcher.quoteReplacement(String.valueOf(p)));
            }
        }
        return m;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID
                && !Boolean.getBoolean("netfrag.allowLowerLeakLevel")) {
            throw new IllegalStateException("tests must run with -Dio.netty.leakDetection.level=paranoid (got "
                    + ResourceLeakDetector.getLevel() + ')');
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        AssertionError leaks = leaksSinceLastCheck();
        if (leaks != null) {
            throw leaks;
        }
    }

    /**
     * Makes pending leak reports come out and drains them.
     *
     * @return an error describing the leaks reported since the last check, or {@code null} when there were none
     */
    public static AssertionError leaksSinceLastCheck() throws InterruptedException {
        provokeReports();
        List<String> found;
        synchronized (LEAKS) {
            found = new ArrayList<>(LEAKS);
            LEAKS.clear();
        }
        return found.isEmpty() ? null
                : new AssertionError(found.size() + " buffer leak(s) reported by Netty:\n" + String.join("\n\n", found));
    }

    /** Collects garbage and allocates tracked buffers so that pending leak reports are emitted now. */
    public static void provokeReports() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
            for (int j = 0; j < 8; j++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(8);
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(8);
                a.release();
                b.release();
            }
        }
    }
}
