package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.Counters;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Target-based insertion alone: overlapping blocks go to the old or the new fragment by the policy's rule, the data is
 * copied and the buffer released, overlaps are counted, and the datagram completes when its blocks are covered.
 */
class TargetBasedInsertionTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final int HEADER = 8;

    private final MemoryAccount account = new MemoryAccount(ReassemblyLimits.defaults(Duration.ofSeconds(1)));
    private final DatagramAssembler assembler = new DatagramAssembler(65535, account);
    private final Counters counters = new Counters();
    private final TargetBasedInsertion insertion = new TargetBasedInsertion(account, assembler, counters);
    private final Fragment fragment = new Fragment();

    private boolean insert(FragmentQueue<Object> q, int offset, int length, int fill) {
        ByteBuf buf = ALLOC.buffer(HEADER + length).writeZero(HEADER);
        for (int i = 0; i < length; i++) {
            buf.writeByte(fill);
        }
        fragment.data(buf, HEADER, offset, length, false).header(0, HEADER);
        boolean complete = insertion.insert(q, buf, HEADER, offset, offset + length, fragment, ALLOC);
        assertEquals(0, buf.refCnt(), "copied and released");
        return complete;
    }

    @ParameterizedTest(name = "{0}: the overlapped block holds {1}")
    @CsvSource({"FIRST, 0xaa", "LAST, 0xbb"})
    void overlapsGoByThePolicysRule(OverlapPolicy policy, int overlapped) {
        FragmentQueue<Object> q = new FragmentQueue<>();
        q.init(new Object(), 0, 1_000_000_000L, false, policy);
        assembler.giveBitmaps(q, 64);
        q.lastIn = true;
        q.length = 24;
        assertFalse(insert(q, 0, 16, 0xaa));
        assertEquals(0, counters.snapshot().get(MibCounter.REASM_OVERLAPS));
        assertTrue(insert(q, 8, 16, 0xbb), "every block covered");
        assertEquals(1, counters.snapshot().get(MibCounter.REASM_OVERLAPS));
        for (int i = 0; i < 24; i++) {
            int expected = i < 8 ? 0xaa : i < 16 ? overlapped : 0xbb;
            assertEquals((byte) expected, q.head.getByte(q.headroom + i), "byte " + i);
        }
        assertTrue(q.firstIn);
        assertTrue(q.pinnedBytes > 0, "the copy buffer and the bookkeeping are charged");
        q.releaseAll();
    }
}
