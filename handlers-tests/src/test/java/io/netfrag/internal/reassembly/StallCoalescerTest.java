package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.reassembly.ReassemblyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * ADAPTIVE's stall rule alone: a datagram holding receive buffers is coalesced once it has held them for the hold
 * time, or while the hold count of other datagrams' fragments arrived, and not a moment before; its buffers are then
 * copied into its own and released, their charge given back.
 */
class StallCoalescerTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final long HOLD = 1_000_000;
    private static final ReassemblyLimits LIMITS = ReassemblyLimits.defaults(Duration.ofSeconds(1))
            .withAdaptiveHold(Duration.ofNanos(HOLD)).withAdaptiveHoldFragments(4);

    private final MemoryAccount account = new MemoryAccount(LIMITS);
    private final DatagramAssembler assembler = new DatagramAssembler(65535, account);
    private final StallCoalescer<Object> coalescer = new StallCoalescer<>(LIMITS, account, assembler);

    /** A queue created at {@code created} holding one 16-byte fragment at offset 16 in a 2048-byte buffer. */
    private FragmentQueue<Object> holding(long created) {
        FragmentQueue<Object> q = new FragmentQueue<>();
        q.createdNanos = created;
        q.tailEnd = 32;
        ByteBuf b = ALLOC.directBuffer(2048);
        for (int i = 0; i < 16; i++) {
            b.writeByte(16 + i);
        }
        q.hold(b, 16, 4);
        account.charge(q, Pinning.pinnedBytes(b));
        coalescer.tick();
        coalescer.arrival(q);
        coalescer.startHolding(q, 8);
        return q;
    }

    @Test
    void theHoldTimeCoalescesTheOldestAndNothingEarlier() {
        FragmentQueue<Object> q = holding(0);
        assertEquals(HOLD, coalescer.nextNanos());
        assertEquals(0, coalescer.coalesce(HOLD - 1, ALLOC), "1 ns early");
        assertEquals(1, q.heldCount);
        assertEquals(1, coalescer.coalesce(HOLD, ALLOC));
        assertEquals(0, q.heldCount);
        assertFalse(q.holding);
        assertEquals(Long.MAX_VALUE, coalescer.nextNanos());
        for (int i = 0; i < 16; i++) {
            assertEquals(16 + i, q.head.getByte(q.headroom + 16 + i), "copied into place");
        }
        assertEquals(8, q.headroom, "room for the header kept");
        assertEquals(q.head.capacity(), account.pinnedBytes(), "the receive buffer's charge given back");
        q.head.release();
    }

    @Test
    void otherDatagramsFragmentsCountTowardsTheHoldButItsOwnDoNot() {
        FragmentQueue<Object> q = holding(0);
        for (int i = 0; i < 10; i++) { // its own fragments
            coalescer.tick();
            coalescer.arrival(q);
        }
        assertEquals(0, coalescer.coalesce(0, ALLOC));
        FragmentQueue<Object> other = new FragmentQueue<>();
        for (int i = 0; i < 3; i++) {
            coalescer.tick();
            coalescer.arrival(other);
        }
        assertEquals(0, coalescer.coalesce(0, ALLOC), "3 of 4");
        coalescer.tick();
        assertEquals(1, coalescer.coalesce(0, ALLOC), "the 4th");
        assertTrue(q.head != null && q.heldCount == 0);
        q.head.release();
    }

    @Test
    void aQueueThatStopsHoldingLeavesTheListWhereverItIs() {
        FragmentQueue<Object> a = holding(0);
        FragmentQueue<Object> b = holding(10);
        FragmentQueue<Object> c = holding(20);
        coalescer.stopHolding(a);
        coalescer.stopHolding(a); // twice is harmless
        assertEquals(10 + HOLD, coalescer.nextNanos(), "b is the oldest now");
        coalescer.stopHolding(c);
        assertEquals(1, coalescer.coalesce(Long.MAX_VALUE / 2, ALLOC), "only b is left");
        b.head.release();
        a.releaseAll();
        c.releaseAll();
    }
}
