package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** The sparse store alone: entries kept back to back, charged exactly as they grow, folded into place. */
class SparseStoreTest {
    private static ByteBuf bytes(int length, int seed) {
        ByteBuf b = Unpooled.buffer(length);
        for (int i = 0; i < length; i++) {
            b.writeByte(seed + i);
        }
        return b;
    }

    @Test
    void entriesFoldIntoTheirOffsetsAndTheChargeFollowsEveryGrowth() {
        SparseStore store = new SparseStore();
        assertEquals(0, store.charge());
        long charged = 0;
        // 20 tiny fragments at scattered offsets: the arrays double past 128 bytes and past 16 entries
        for (int i = 0; i < 20; i++) {
            ByteBuf src = bytes(8 + 8 * (i % 3), i * 16);
            charged += store.store(src, 0, 800 - 40 * i, src.readableBytes());
            src.release();
            assertEquals(store.charge(), charged, "charged as grown, after " + (i + 1));
        }
        assertEquals(20, store.count());
        assertTrue(charged > SparseStore.INITIAL_BYTES, "grew");
        ByteBuf head = Unpooled.buffer(8 + 900).writeZero(8 + 900);
        assertEquals(charged, store.foldInto(head, 8));
        for (int i = 0; i < 20; i++) {
            int length = 8 + 8 * (i % 3);
            byte[] expected = new byte[length];
            for (int k = 0; k < length; k++) {
                expected[k] = (byte) (i * 16 + k);
            }
            byte[] actual = new byte[length];
            head.getBytes(8 + 800 - 40 * i, actual);
            assertArrayEquals(expected, actual, "entry " + i);
        }
        head.release();
    }

    @Test
    void theFirstEntryIsFoundWhereverItArrived() {
        SparseStore store = new SparseStore();
        ByteBuf later = bytes(16, 100);
        ByteBuf first = bytes(24, 1);
        store.store(later, 0, 64, 16);
        ByteBuf dst = Unpooled.buffer(32);
        assertFalse(store.copyFirstTo(dst, 10), "no entry at offset 0 yet");
        store.store(first, 4, 0, 20); // from index 4 of the source
        assertTrue(store.copyFirstTo(dst, 10));
        assertEquals(10, dst.readableBytes(), "at most max bytes");
        assertEquals(5, dst.getByte(0), "the source's byte at index 4");
        later.release();
        first.release();
        dst.release();
    }
}
