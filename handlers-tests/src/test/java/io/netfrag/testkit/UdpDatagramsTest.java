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
    void staticFormsAndTheBuilderBuildTheSameValidPackets(int length) {
        byte[] payload = TestPackets.payload(length);
        ByteBuf in = UnpooledByteBufAllocator.DEFAULT.heapBuffer().writeZero(5).writeBytes(payload).skipBytes(5);
        ByteBuf six = UdpDatagrams.ipv6(PooledByteBufAllocator.DEFAULT, SRC6, DST6, 40001, 5000, in);
        assertArrayEquals(UdpDatagrams.builder().addresses(SRC6, DST6).ports(40001, 5000).payload(payload)
                .toByteArray(), TestPackets.bytes(six));
        assertEquals(six.capacity(), six.readableBytes(), "exactly sized");
        ByteBuf four = UdpDatagrams.ipv4(PooledByteBufAllocator.DEFAULT, SRC4, DST4, 7, 9, 1, in);
        assertArrayEquals(UdpDatagrams.builder().addresses(SRC4, DST4).ports(7, 9).identification(1).payload(payload)
                .toByteArray(), TestPackets.bytes(four));
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

    @Test
    void builderPlacesExtensionHeadersInFrontOfUdpWithAValidChecksum() {
        ByteBuf p = UdpDatagrams.builder().addresses(SRC6, DST6).trafficClass(0xb8).flowLabel(0x12345).hopByHop(0)
                .destinationOptions(1).routing(2).destinationOptions(0).payload(new byte[] {1, 2, 3})
                .build(UnpooledByteBufAllocator.DEFAULT);
        try {
            int upper = 40 + 8 + 16 + 24 + 8;
            assertEquals(upper + 8 + 3, p.readableBytes());
            assertEquals(p.readableBytes() - 40, Ipv6Header.payloadLength(p, 0));
            assertEquals(0x6b812345, p.getInt(0), "version, traffic class, flow label");
            int[] chain = {Ipv6Header.NEXT_HEADER_OFFSET, 40, 48, 64, 88};
            int[] names = {IpProtocols.HOP_BY_HOP, IpProtocols.DESTINATION_OPTIONS, IpProtocols.ROUTING,
                IpProtocols.DESTINATION_OPTIONS, IpProtocols.UDP};
            for (int i = 0; i < chain.length; i++) {
                assertEquals(names[i], p.getUnsignedByte(chain[i]), "next header at " + chain[i]);
            }
            assertEquals(253, p.getUnsignedByte(66), "routing type (experimental)");
            assertEquals(0, p.getUnsignedByte(67), "segments left");
            assertEquals(11, UdpHeader.length(p, upper));
            int length = p.readableBytes() - upper;
            assertEquals(0xffff, InternetChecksum.fold(InternetChecksum.sum(p, upper, length, pseudo6(p, length))));
        } finally {
            p.release();
        }
    }

    @Test
    void builderWritesIpv4OptionsAndCanLeaveTheUdpChecksumOut() {
        ByteBuf p = UdpDatagrams.builder().addresses(SRC4, DST4).ipv4Options(3).udpChecksum(false).identification(7)
                .payload(new byte[] {9}).build(UnpooledByteBufAllocator.DEFAULT);
        try {
            assertEquals(32, Ipv4Header.headerLength(p, 0));
            assertTrue(Ipv4Header.checksumValid(p, 0, 32));
            assertEquals(7, Ipv4Header.identification(p, 0));
            assertEquals(0x94, p.getUnsignedByte(20), "router alert, copied");
            assertEquals(0x07, p.getUnsignedByte(24), "record route, not copied");
            assertEquals(7, p.getUnsignedByte(25), "record route length");
            assertEquals(0, p.getUnsignedByte(31), "end of option list");
            assertEquals(0, UdpHeader.checksum(p, 32));
        } finally {
            p.release();
        }
        assertThrows(IllegalStateException.class, () -> UdpDatagrams.builder().addresses(SRC4, DST4).hopByHop(0)
                .toByteArray());
        assertThrows(IllegalStateException.class, () -> UdpDatagrams.builder().addresses(SRC6, DST6).ipv4Options(1)
                .toByteArray());
        assertThrows(IllegalArgumentException.class, () -> UdpDatagrams.builder().addresses(SRC4, DST6));
        assertThrows(IllegalStateException.class, () -> UdpDatagrams.builder().toByteArray());
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
