package io.netfrag.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** Proves that the leak extension really catches a leak (else a silent misconfiguration would pass every test). */
class LeakDetectionSelfTest {

    @Test
    void leakedBufferIsReported() throws Exception {
        leak();
        AssertionError error = assertThrows(AssertionError.class, () -> new LeakDetectionExtension().afterEach(null));
        assertTrue(error.getMessage().contains("LEAK"), error.getMessage());
    }

    private static void leak() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        // dropped without release on purpose
    }
}
