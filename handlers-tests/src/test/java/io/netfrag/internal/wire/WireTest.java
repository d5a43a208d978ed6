package io.netfrag.internal.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Header views on named byte arrays, truncated input included (smoltcp style). */
class WireTest {
    /** IPv6 header, Hop-by-Hop (8), Fragment header (offset 0, M, id 0x01020304), Destination Options (8), UDP. */
    private static final byte[] CHAIN = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x40,
        (byte) 0xfc, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        (byte) 0xfc, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        44, 0, 1, 4, 0, 0, 0, 0, // Hop-by-Hop → Fragment, PadN
        60, 0, 0, 1, 1, 2, 3, 4, // Fragment → Destination Options, offset 0, M
        17, 0, 1, 4, 0, 0, 0, 0, // Destination Options → UDP
        0x12, 0x34, 0x13, (byte) 0x88, 0, 8, 0, 0 // UDP
    };

    @Test
    void chainIsWalkedToTheUpperLayer() {
        ByteBuf b = Unpooled.wrappedBuffer(CHAIN);
        Ipv6HeaderChain chain = new Ipv6HeaderChain();
        assertEquals(Ipv6HeaderChain.Status.OK, chain.walk(b, 0, CHAIN.length));
        assertEquals(IpProtocols.UDP, chain.upperProtocol());
        assertEquals(64, chain.upperIndex());
        assertEquals(48, chain.fragmentIndex());
        assertEquals(40, chain.fragmentNextHeaderIndex());
        assertEquals(56, chain.upperNextHeaderIndex());
        assertEquals(0x01020304, Ipv6FragmentHeader.identification(b, 48));
        assertTrue(Ipv6FragmentHeader.moreFragments(b, 48));
        assertEquals(0, Ipv6FragmentHeader.offsetBytes(b, 48));
        assertEquals(0x1234, UdpHeader.sourcePort(b, 64));
        assertEquals(5000, UdpHeader.destinationPort(b, 64));
    }

    @Test
    void everyTruncationIsReportedNotThrown() {
        Ipv6HeaderChain chain = new Ipv6HeaderChain();
        for (int end = 40; end < 64; end++) {
            ByteBuf b = Unpooled.wrappedBuffer(CHAIN, 0, end);
            Ipv6HeaderChain.Status s = chain.walk(b, 0, end);
            assertEquals(Ipv6HeaderChain.Status.TRUNCATED, s, "end " + end);
        }
        assertFalse(Ipv6Header.fits(Unpooled.wrappedBuffer(CHAIN, 0, 39), 0));
        assertFalse(Ipv6FragmentHeader.fits(Unpooled.wrappedBuffer(CHAIN, 0, 55), 48));
        assertFalse(UdpHeader.fits(Unpooled.wrappedBuffer(CHAIN, 0, 71), 64));
        assertFalse(Ipv4Header.fits(Unpooled.wrappedBuffer(new byte[19]), 0));
    }

    @Test
    void nonFirstFragmentStopsTheWalkAtTheFragmentHeader() {
        byte[] c = CHAIN.clone();
        c[50] = 0;
        c[51] = (byte) 0xb9; // offset 184 (23 × 8), M
        ByteBuf b = Unpooled.wrappedBuffer(c);
        Ipv6HeaderChain chain = new Ipv6HeaderChain();
        assertEquals(Ipv6HeaderChain.Status.OK, chain.walk(b, 0, c.length));
        assertEquals(IpProtocols.DESTINATION_OPTIONS, chain.upperProtocol());
        assertEquals(56, chain.upperIndex());
        assertEquals(184, Ipv6FragmentHeader.offsetBytes(b, 48));
    }

    @Test
    void internetChecksumMatchesRfc1071Example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2
        ByteBuf b = Unpooled.wrappedBuffer(new byte[] {0, 1, (byte) 0xf2, 3, (byte) 0xf4, (byte) 0xf5,
            (byte) 0xf6, (byte) 0xf7});
        assertEquals(0xddf2, InternetChecksum.fold(InternetChecksum.sum(b, 0, 8, 0)));
        // the same bytes split at odd boundaries in a composite
        ByteBuf c = Unpooled.wrappedBuffer(b.retainedSlice(0, 3), b.retainedSlice(3, 2), b.retainedSlice(5, 3));
        assertEquals(0xddf2, InternetChecksum.fold(InternetChecksum.sum(c, 0, 8, 0)));
        c.release();
    }

    @Test
    void checksumAgreesWithAByteWiseReferenceOnRandomInput() {
        java.util.Random rnd = new java.util.Random(5);
        for (int n = 0; n < 2000; n++) {
            // small lengths (summed through accessors, up to InternetChecksum.SMALL) and larger ones (NIO views)
            int length = rnd.nextInt(n < 500 ? 2 * InternetChecksum.SMALL : n < 1000 ? 300 : 70000);
            byte[] data = new byte[length + 7];
            rnd.nextBytes(data);
            int offset = rnd.nextInt(7);
            long reference = 0;
            for (int i = 0; i + 1 < length; i += 2) {
                reference += ((data[offset + i] & 0xff) << 8) | (data[offset + i + 1] & 0xff);
            }
            if ((length & 1) != 0) {
                reference += (data[offset + length - 1] & 0xff) << 8;
            }
            ByteBuf heap = Unpooled.wrappedBuffer(data);
            assertEquals(InternetChecksum.fold(reference), InternetChecksum.fold(InternetChecksum.sum(heap, offset,
                    length, 0)), "length " + length);
            ByteBuf direct = Unpooled.directBuffer(data.length).writeBytes(data);
            assertEquals(InternetChecksum.fold(reference), InternetChecksum.fold(InternetChecksum.sum(direct, offset,
                    length, 0)), "direct length " + length);
            int split = length == 0 ? 0 : rnd.nextInt(length + 1);
            ByteBuf composite = Unpooled.wrappedBuffer(direct.retainedSlice(offset, split),
                    direct.retainedSlice(offset + split, length - split));
            assertEquals(InternetChecksum.fold(reference), InternetChecksum.fold(InternetChecksum.sum(composite, 0,
                    length, 0)), "composite length " + length + " split " + split);
            composite.release();
            direct.release();
        }
    }

    @Test
    void ipv4HeaderChecksumRoundTrip() {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x45).writeByte(0).writeShort(20).writeShort(7).writeShort(0x2000 | 185).writeByte(64)
                .writeByte(17).writeShort(0).writeInt(0x0a000001).writeInt(0x0a000002);
        Ipv4Header.updateChecksum(b, 0, 20);
        assertTrue(Ipv4Header.checksumValid(b, 0, 20));
        assertTrue(Ipv4Header.moreFragments(b, 0));
        assertEquals(185 * 8, Ipv4Header.offsetBytes(b, 0));
        b.setByte(8, 63);
        assertFalse(Ipv4Header.checksumValid(b, 0, 20));
    }

    @Test
    void scopedDestinations() {
        assertTrue(Ipv6Header.scopedDestination(0xfe80000000000000L));
        assertTrue(Ipv6Header.scopedDestination(0xff02000000000000L));
        assertFalse(Ipv6Header.scopedDestination(0xfc00000200000000L));
    }

    @Test
    void ecnCombinationFollowsLinuxTable() {
        assertEquals(0, EcnCombiner.combine(EcnCombiner.bit(0)));
        assertEquals(3, EcnCombiner.combine(EcnCombiner.bit(3) | EcnCombiner.bit(2)));
        assertEquals(0, EcnCombiner.combine(EcnCombiner.bit(3)));
        assertEquals(EcnCombiner.DROP, EcnCombiner.combine(EcnCombiner.bit(0) | EcnCombiner.bit(1)));
    }
}
