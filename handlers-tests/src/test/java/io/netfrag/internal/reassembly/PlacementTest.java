package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The coalesce decision alone: per policy, whether a fragment's buffer is copied into the datagram's own buffer and
 * released at once, or held (and charged its capacity); the component budget; ADAPTIVE copying a buffer that pins
 * more than twice what it carries; forwarded datagrams never coalesced; the first fragment's header kept.
 */
class PlacementTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final int HEADER = 8;
    private static final ReassemblyLimits LIMITS = ReassemblyLimits.defaults(Duration.ofSeconds(1))
            .withComponentBudget(2);

    private final MemoryAccount account = new MemoryAccount(LIMITS);
    private final DatagramAssembler assembler = new DatagramAssembler(65535, account);
    private final Fragment fragment = new Fragment();

    private Placement<Object> placement(CoalescePolicy policy) {
        return new Placement<>(policy, LIMITS, account, assembler, new StallCoalescer<>(LIMITS, account, assembler));
    }

    private FragmentQueue<Object> queue(boolean forwarding) {
        FragmentQueue<Object> q = new FragmentQueue<>();
        q.init(new Object(), 0, 1_000_000_000L, forwarding, OverlapPolicy.DROP);
        assembler.giveBitmaps(q, 64);
        return q;
    }

    /** Places a fragment of {@code length} data bytes at {@code offset} in a buffer of {@code capacity} bytes. */
    private ByteBuf place(Placement<Object> p, FragmentQueue<Object> q, int offset, int length, int capacity) {
        ByteBuf buf = ALLOC.directBuffer(capacity).writeZero(HEADER + length);
        fragment.data(buf, HEADER, offset, length, false).header(0, HEADER).route(q.forwarding, OverlapPolicy.DROP);
        p.place(q, buf, fragment, ALLOC);
        return buf;
    }

    @ParameterizedTest(name = "{0}: held {1} of 3")
    @CsvSource({"NONE, 3", "COPY, 0", "COMPOSITE, 2", "ADAPTIVE, 2"})
    void policiesHoldOrCopyWithinTheBudget(CoalescePolicy policy, int held) {
        Placement<Object> p = placement(policy);
        FragmentQueue<Object> q = queue(false);
        ByteBuf[] bufs = {place(p, q, 0, 16, 48), place(p, q, 16, 16, 48), place(p, q, 32, 16, 48)};
        assertEquals(held, q.heldCount);
        for (int i = 0; i < 3; i++) {
            boolean isHeld = false;
            for (int k = 0; k < q.heldCount; k++) {
                isHeld |= q.held[k] == bufs[i];
            }
            assertEquals(isHeld ? 1 : 0, bufs[i].refCnt(), "a copied buffer is released at once");
        }
        assertTrue(q.firstIn);
        assertEquals(HEADER, q.headerLength);
        long heldCharge = 48L * held;
        long copyCharge = q.head == null ? 0 : q.head.capacity();
        long headerCharge = q.headerBuf == null ? 0 : q.headerBuf.capacity();
        assertEquals(heldCharge + copyCharge + headerCharge, q.pinnedBytes, "charged what each buffer pins");
        assertEquals(policy == CoalescePolicy.ADAPTIVE, q.holding, "only ADAPTIVE watches for stalls");
        q.releaseAll();
    }

    @Test
    void adaptiveCopiesABufferThatPinsMoreThanTwiceWhatItCarries() {
        Placement<Object> p = placement(CoalescePolicy.ADAPTIVE);
        FragmentQueue<Object> q = queue(false);
        // what a buffer carries is the packet in it, header and data: 24 bytes here
        ByteBuf small = place(p, q, 0, 16, 2 * (HEADER + 16)); // pins exactly twice: held
        ByteBuf big = place(p, q, 16, 16, 2 * (HEADER + 16) + 1); // pins more than twice: copied
        assertEquals(1, q.heldCount);
        assertEquals(1, small.refCnt());
        assertEquals(0, big.refCnt());
        assertNotNull(q.head);
        q.releaseAll();
    }

    @Test
    void forwardedDatagramsAreNeverCoalesced() {
        Placement<Object> p = placement(CoalescePolicy.COPY);
        FragmentQueue<Object> q = queue(true);
        for (int i = 0; i < 4; i++) {
            place(p, q, 16 * i, 16, 4096);
        }
        assertEquals(4, q.heldCount);
        assertNull(q.head);
        assertFalse(q.holding);
        q.releaseAll();
    }
}
