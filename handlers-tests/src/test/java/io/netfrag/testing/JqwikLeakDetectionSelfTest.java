package io.netfrag.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import net.jqwik.api.Example;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Proves that {@link JqwikLeakDetection} is registered for every jqwik property and catches a leak (else a silent
 * misconfiguration would pass every property), without failing the build: the leaking example carries a second hook
 * that wraps the global one from outside, expects the leak failure and turns it into success — and turns anything
 * else, a missing report included, into a failure.
 */
class JqwikLeakDetectionSelfTest {

    @Example
    @AddLifecycleHook(ExpectLeakFailure.class)
    void leakedBufferFailsTheProperty() {
        leak();
    }

    private static void leak() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        // dropped without release on purpose
    }

    /** Outside {@link JqwikLeakDetection} (lower proximity): sees the result that hook made of the property. */
    public static final class ExpectLeakFailure implements AroundPropertyHook {
        @Override
        public int aroundPropertyProximity() {
            return JqwikLeakDetection.PROXIMITY - 10;
        }

        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            PropertyExecutionResult result = property.execute();
            boolean leakReported = result.status() == PropertyExecutionResult.Status.FAILED
                    && result.throwable().map(t -> String.valueOf(t.getMessage()).contains("LEAK")).orElse(false);
            if (leakReported) {
                return result.mapToSuccessful();
            }
            return result.mapToFailed("JqwikLeakDetection did not report the deliberate leak (property status "
                    + result.status() + result.throwable().map(t -> ": " + t).orElse("") + ')');
        }
    }
}
