package io.netfrag.testing;

import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The jqwik counterpart of {@link LeakDetectionExtension} (Jupiter extensions do not apply to jqwik properties): after
 * each property, all its tries and shrinking included, it runs the garbage collector, makes Netty's leak detector
 * report, and fails the property when a leak was reported; before it, it checks that the leak detector runs at
 * paranoid level. It shares the Jupiter extension's collector of "LEAK:" log records, so a report is counted once,
 * by whichever test or property ends next, and never leaks from one engine into the other.
 *
 * <p>Registered for every property through {@code META-INF/services/net.jqwik.api.lifecycle.LifecycleHook} (jqwik's
 * global registration, found by {@link java.util.ServiceLoader}); {@link #propagateTo()} makes the engine-level
 * registration reach every container and property. Its proximity places it outside {@code @BeforeProperty} and
 * {@code @AfterProperty} methods, so what those release counts.
 *
 * <p>A leak in one try of a property fails the whole property without telling which try: properties that handle
 * buffers should also check reference counts per try (as {@code io.netfrag.property.Rig} does).
 */
public final class JqwikLeakDetection implements AroundPropertyHook {
    /** Proximity: outside the property's own lifecycle methods (jqwik: -10 and below run around them). */
    public static final int PROXIMITY = -50;

    private static final LeakDetectionExtension COLLECTOR = new LeakDetectionExtension();

    @Override
    public boolean appliesTo(Optional<AnnotatedElement> element) {
        return true;
    }

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public int aroundPropertyProximity() {
        return PROXIMITY;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property)
            throws Throwable {
        COLLECTOR.beforeAll(null); // paranoid level, else IllegalStateException
        PropertyExecutionResult result = property.execute();
        AssertionError leaks = leaksSinceLastCheck();
        if (leaks == null) {
            return result;
        }
        Optional<Throwable> failure = result.throwable();
        if (result.status() == PropertyExecutionResult.Status.FAILED && failure.isPresent()) {
            // keep the property's own failure first (its counterexample matters most); the leak rides along
            failure.get().addSuppressed(leaks);
            return result;
        }
        return result.mapToFailed(leaks);
    }

    /** The leaks reported since the last check (by this hook or the Jupiter extension), or {@code null}. */
    static AssertionError leaksSinceLastCheck() throws InterruptedException {
        return LeakDetectionExtension.leaksSinceLastCheck();
    }
}
