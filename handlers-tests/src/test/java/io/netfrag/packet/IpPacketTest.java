package io.netfrag.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Packet objects are pooled: what releasing does to the content and to the object. */
class IpPacketTest {
    private static final IpPacket.Builder BUILDER = IpPacket.builder().addresses(6, 1, 2, 3, 4).upper(17, 40);

    @Test
    void releaseFreesTheContentAndGivesTheObjectBack() {
        ByteBuf content = Unpooled.buffer(64).writeZero(64);
        IpPacket p = BUILDER.build(content);
        assertEquals(1, p.refCnt());
        assertTrue(p.release());
        assertEquals(0, content.refCnt());
        assertEquals(0, p.refCnt());
        assertThrows(IllegalStateException.class, p::content, "a released packet is not used again");
        assertEquals("IpPacket(released)", p.toString());
    }

    @Test
    void aRetainedPacketStaysUntilItsLastRelease() {
        ByteBuf content = Unpooled.buffer(64).writeZero(64);
        IpPacket p = BUILDER.build(content);
        assertSame(p, p.retain());
        assertFalse(p.release());
        assertSame(content, p.content(), "still held by the second reference");
        assertEquals(3, p.sourceLow() + p.sourceHigh());
        assertTrue(p.release());
        assertEquals(0, content.refCnt());
    }

    @Test
    void releaseWrapperLeavesTheContentToWhoeverTookItOver() {
        ByteBuf content = Unpooled.buffer(64).writeZero(64);
        IpPacket p = BUILDER.build(content);
        ByteBuf taken = p.content();
        p.releaseWrapper();
        assertEquals(1, taken.refCnt(), "the new owner's reference");
        assertThrows(IllegalStateException.class, p::content);
        taken.release();
    }

    @Test
    void aPooledObjectComesBackWithTheNewPacketsFacts() {
        IpPacket first = BUILDER.build(Unpooled.buffer(8).writeZero(8));
        first.release();
        IpPacket second = IpPacket.builder().addresses(4, 0, 10, 0, 20).upper(6, 20).fragment(0, 8, true, 77)
                .build(Unpooled.buffer(28).writeZero(28));
        assertEquals(4, second.version());
        assertEquals(10, second.sourceLow());
        assertEquals(6, second.protocol());
        assertEquals(77, second.identification());
        assertTrue(second.needsReassembly());
        IpPacket copy = second.retainedDuplicate();
        assertEquals(second.identification(), copy.identification());
        assertEquals(2, second.refCnt(), "a duplicate shares the content");
        copy.release();
        second.release();
    }
}
