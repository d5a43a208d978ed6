package io.netfrag.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.wire.InternetChecksum;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.UdpHeader;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.Inet4Address;
import java.net.Inet6Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** UdpDatagrams against the project's independent test packet builder, checksums, limits and ownership. */
class UdpDatagramsTest {
    static final Inet6Address SRC6 = (Inet6Address) TestPackets.addr("fc00:1::1");
    static final Inet6Address DST6 = (Inet6Address) TestPackets.addr("fc00:2::1");
    static final Inet4Address SRC4 = (Inet4Address) TestPackets.addr("10.200.1.1");
    static final Inet4Address DST4 = (Inet4Address) TestPackets.addr("10.200.1.2");

    @ParameterizedTest(name = "payload {0}")
    @ValueSource(ints = {0, 1, 7, 8, 1452, 65507})
    void sameBytesAsTheTestPacketBuilder(int length) {
        byte[] payload = TestPackets.payload(length);
        ByteBuf in = UnpooledByteBufAllocator.DEFAULT.heapBuffer().writeZero(5).writeBytes(payload).skipBytes(5);
        ByteBuf six = UdpDatagrams.ipv6(PooledByteBufAllocator.DEFAULT, SRC6, DST6, 40001, 5000, in);
        assertArrayEquals(TestPackets.udp6(SRC6, DST6, 40001, 5000, payload, 0), TestPackets.bytes(six));
        assertEquals(six.capacity(), six.readableBytes(), "exactly sized");
        ByteBuf four = UdpDatagrams.ipv4(PooledByteBufAllocator.DEFAULT, SRC4, DST4, 7, 9, 1, in);
        assertArrayEquals(TestPackets.udp4(0x0ac80101, 0x0ac80102, 7, 9, payload, true), TestPackets.bytes(four));
        assertEquals(5, in.readerIndex(), "payload borrowed, indices unchanged");
        assertEquals(1, in.refCnt());
        assertTrue(Ipv4Header.checksumValid(four, 0, 20));
        assertEquals(0, Ipv4Header.fragmentField(four, 0), "DF clear");
        assertEquals(64, Ipv4Header.ttl(four, 0));
        assertEquals(64, Ipv6Header.hopLimit(six, 0));
        assertTrue(udpChecksumValid(six));
        assertTrue(udpChecksumValid(four));
        six.release();
        four.release();
        in.release();
    }

    @Test
    void computedZeroChecksumIsSentAsAllOnes() {
        // choose the first payload word so that the one's complement sum comes out as 0xffff (checksum 0)
        ByteBuf payload = Unpooled.buffer(2).writeShort(0);
        ByteBuf probe = UdpDatagrams.ipv6(UnpooledByteBufAllocator.DEFAULT, SRC6, DST6, 1, 2, payload);
        probe.setShort(40 + UdpHeader.CHECKSUM_OFFSET, 0);
        int folded = InternetChecksum.fold(InternetChecksum.sum(probe, 40, 10, pseudo6(probe, 10)));
        probe.release();
        payload.setShort(0, 0xffff - folded);
        ByteBuf p = UdpDatagrams.ipv6(UnpooledByteBufAllocator.DEFAULT, SRC6, DST6, 1, 2, payload);
        assertEquals(0xffff, UdpHeader.checksum(p, 40));
        assertTrue(udpChecksumValid(p));
        p.release();
    }

    @Test
    void limits() {
        ByteBuf max6 = Unpooled.wrappedBuffer(new byte[UdpDatagrams.MAX_IPV6_PAYLOAD]);
        ByteBuf p = UdpDatagrams.ipv6(UnpooledByteBufAllocator.DEFAULT, SRC6, DST6, 1, 2, max6);
        assertEquals(65535, Ipv6Header.payloadLength(p, 0));
        assertEquals(65535, UdpHeader.length(p, 40));
        p.release();
        ByteBuf over6 = Unpooled.wrappedBuffer(new byte[UdpDatagrams.MAX_IPV6_PAYLOAD + 1]);
        assertThrows(IllegalArgumentException.class,
                () -> UdpDatagrams.ipv6(UnpooledByteBufAllocator.DEFAULT, SRC6, DST6, 1, 2, over6));
        ByteBuf max4 = Unpooled.wrappedBuffer(new byte[UdpDatagrams.MAX_IPV4_PAYLOAD]);
        p = UdpDatagrams.ipv4(UnpooledByteBufAllocator.DEFAULT, SRC4, DST4, 1, 2, 0x12345, max4);
        assertEquals(65535, Ipv4Header.totalLength(p, 0));
        assertEquals(0x2345, Ipv4Header.identification(p, 0), "low 16 bits");
        p.release();
        ByteBuf over4 = Unpooled.wrappedBuffer(new byte[UdpDatagrams.MAX_IPV4_PAYLOAD + 1]);
        assertThrows(IllegalArgumentException.class,
                () -> UdpDatagrams.ipv4(UnpooledByteBufAllocator.DEFAULT, SRC4, DST4, 1, 2, 0, over4));
        ByteBuf empty = Unpooled.EMPTY_BUFFER;
        assertThrows(IllegalArgumentException.class,
                () -> UdpDatagrams.ipv6(UnpooledByteBufAllocator.DEFAULT, SRC6, DST6, 65536, 2, empty));
        assertThrows(IllegalArgumentException.class,
                () -> UdpDatagrams.ipv4(UnpooledByteBufAllocator.DEFAULT, SRC4, DST4, 1, -1, 0, empty));
    }

    static boolean udpChecksumValid(ByteBuf p) {
        int start = p.readerIndex();
        if (p.getUnsignedByte(start) >>> 4 == 6) {
            int length = p.readableBytes() - 40;
            return InternetChecksum.fold(InternetChecksum.sum(p, start + 40, length, pseudo6(p, length))) == 0xffff;
        }
        int length = p.readableBytes() - 20;
        long pseudo = InternetChecksum.ipv4PseudoHeader(Ipv4Header.source(p, start), Ipv4Header.destination(p, start),
                length, IpProtocols.UDP);
        return InternetChecksum.fold(InternetChecksum.sum(p, start + 20, length, pseudo)) == 0xffff;
    }

    private static long pseudo6(ByteBuf p, int length) {
        int s = p.readerIndex();
        return InternetChecksum.ipv6PseudoHeader(Ipv6Header.sourceHigh(p, s), Ipv6Header.sourceLow(p, s),
                Ipv6Header.destinationHigh(p, s), Ipv6Header.destinationLow(p, s), length, IpProtocols.UDP);
    }
}
