package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.reassembly.ReassemblyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Datagram assembly alone: the copy buffer sized from what is known and grown, the header kept in its headroom or in a
 * buffer of its own, a contiguous result when everything was copied and a {@link CompositeByteBuf} in offset order
 * when fragments were held, and the size hint and bitmaps handed on to the next datagram.
 */
class DatagramAssemblerTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final int HEADER = 8;

    private final MemoryAccount account = new MemoryAccount(ReassemblyLimits.defaults(Duration.ofSeconds(1)));

    private static ByteBuf data(int offset, int length) {
        ByteBuf b = ALLOC.directBuffer(length);
        for (int i = 0; i < length; i++) {
            b.writeByte(offset + i);
        }
        return b;
    }

    private static ByteBuf header() {
        ByteBuf h = ALLOC.buffer(HEADER);
        for (int i = 0; i < HEADER; i++) {
            h.writeByte(0xa0 + i);
        }
        return h;
    }

    private static void assertDatagram(ByteBuf d, int length) {
        assertEquals(HEADER + length, d.readableBytes());
        for (int i = 0; i < HEADER; i++) {
            assertEquals((byte) (0xa0 + i), d.getByte(d.readerIndex() + i), "header byte " + i);
        }
        for (int i = 0; i < length; i++) {
            assertEquals((byte) i, d.getByte(d.readerIndex() + HEADER + i), "payload byte " + i);
        }
    }

    private FragmentQueue<Object> queue(DatagramAssembler assembler, int hint) {
        FragmentQueue<Object> q = new FragmentQueue<>();
        assembler.giveBitmaps(q, hint);
        return q;
    }

    @Test
    void copiedDatagramIsOneBufferAndItsSizeAndBitmapsServeTheNext() {
        DatagramAssembler assembler = new DatagramAssembler(65535, account);
        assertEquals(100, assembler.expectedLength(100), "no hint yet");
        FragmentQueue<Object> q = queue(assembler, 64);
        long[] bitmap = q.coverage;
        assembler.ensureHead(q, 16, HEADER, ALLOC);
        assertEquals(HEADER + 16, q.head.capacity(), "sized for what is known");
        ByteBuf first = data(0, 16);
        q.head.setBytes(HEADER, first);
        ByteBuf header = header();
        assembler.storeHeader(q, header, 0, HEADER, ALLOC);
        assertTrue(q.headerInHead);
        assembler.ensureHead(q, 40, HEADER, ALLOC); // grows, keeps what was written
        assertTrue(q.head.capacity() >= HEADER + 40);
        assertEquals(q.head.capacity(), account.pinnedBytes(), "charged the copy buffer, no header buffer");
        ByteBuf second = data(16, 24);
        q.head.setBytes(HEADER + 16, second);
        q.length = 40;
        q.lastIn = true;
        ByteBuf d = assembler.assemble(q, ALLOC);
        assertFalse(d instanceof CompositeByteBuf, "contiguous");
        assertDatagram(d, 40);
        assertEquals(1000, assembler.expectedLength(1000));
        assertEquals(40, assembler.expectedLength(8), "the last datagram's size");
        assertEquals(65535, new DatagramAssembler(65535, account).expectedLength(70000), "capped");
        FragmentQueue<Object> next = queue(assembler, 64);
        assertSame(bitmap, next.coverage, "the completed datagram's bitmaps are lent on, cleared");
        assertEquals(0, next.coverage[0]);
        assertNotSame(bitmap, queue(assembler, 64).coverage, "lent once");
        d.release();
        first.release();
        second.release();
        header.release();
    }

    @Test
    void heldFragmentsAreComponentsInOffsetOrderBetweenTheCopiedRuns() {
        DatagramAssembler assembler = new DatagramAssembler(65535, account);
        FragmentQueue<Object> q = queue(assembler, 64);
        ByteBuf header = header();
        assembler.storeHeader(q, header, 0, HEADER, ALLOC); // no copy buffer yet: a header buffer of its own
        assertFalse(q.headerInHead);
        q.hold(data(32, 16), 32, 4);
        q.hold(data(8, 8), 8, 4); // held out of order
        assembler.ensureHead(q, 56, 0, ALLOC);
        ByteBuf copied = data(0, 56);
        q.head.setBytes(0, copied, 0, 8); // [0, 8) and [16, 32) and [48, 56) copied
        q.head.setBytes(16, copied, 16, 16);
        q.head.setBytes(48, copied, 48, 8);
        q.length = 56;
        q.lastIn = true;
        ByteBuf d = assembler.assemble(q, ALLOC);
        CompositeByteBuf c = assertInstanceOf(CompositeByteBuf.class, d);
        // header, [0, 8), held [8, 16), [16, 32), held [32, 48), [48, 56)
        assertEquals(6, c.numComponents());
        assertEquals(HEADER, c.component(0).readableBytes());
        assertEquals(16, c.component(4).readableBytes());
        assertDatagram(c, 56);
        assertEquals(0, q.heldCount);
        assertNull(q.head);
        c.release();
        copied.release();
        header.release();
        assertEquals(0, c.refCnt());
    }
}
