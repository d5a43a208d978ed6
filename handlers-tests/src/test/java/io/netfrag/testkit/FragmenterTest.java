package io.netfrag.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.testing.TestPackets;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fragmenter geometry (Linux's numbers), header rules (IPv6 unfragmentable part, IPv4 options), refusals and
 * ownership. Decoding of the fragments by netfrag's receive path is in {@link TrafficGeneratorTest}; the comparison
 * with real kernel fragments in {@link KernelGeometryTest}.
 */
class FragmenterTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    static Stream<Arguments> geometry() {
        List<Arguments> a = new ArrayList<>();
        for (int version : new int[] {6, 4}) {
            for (int mtu : new int[] {1280, 1500, 9000}) {
                for (int size : new int[] {0, 1, 100, 1231, 1232, 1233, 1452, 1453, 1472, 1473, 2000, 8951, 8952,
                        8953, 30000, 65000, 65507}) {
                    a.add(Arguments.of(version, mtu, size));
                }
            }
        }
        return a.stream();
    }

    /** Every fragment fits, non-last data is a multiple of 8, offsets are contiguous, bytes are the original's. */
    @ParameterizedTest(name = "IPv{0} mtu {1} payload {2}")
    @MethodSource("geometry")
    void fragmentsCoverThePacketExactly(int version, int mtu, int size) {
        ByteBuf packet = packet(version, size);
        int header = version == 6 ? 40 : 20;
        int length = packet.readableBytes();
        List<ByteBuf> fragments = new Fragmenter(0x1234).fragment(packet, mtu, ALLOC);
        if (length <= mtu) {
            assertEquals(1, fragments.size());
            assertEquals(packet, fragments.get(0), "unchanged (no atomic fragment)");
        } else {
            int perFragment = version == 6 ? (mtu - header - 8) & ~7 : (mtu - header) & ~7;
            int fragmentable = length - header;
            int limit = mtu - header - (version == 6 ? 8 : 0);
            ByteBuf data = Unpooled.buffer();
            int offset = 0;
            for (int i = 0; i < fragments.size(); i++) {
                ByteBuf f = fragments.get(i);
                boolean last = i == fragments.size() - 1;
                assertTrue(f.readableBytes() <= mtu, "fragment " + i + " of " + f.readableBytes() + " bytes");
                int dataIndex;
                if (version == 6) {
                    assertEquals(IpProtocols.FRAGMENT, Ipv6Header.nextHeader(f, 0));
                    assertEquals(f.readableBytes() - 40, Ipv6Header.payloadLength(f, 0));
                    assertEquals(IpProtocols.UDP, Ipv6FragmentHeader.nextHeader(f, 40));
                    assertEquals(offset, Ipv6FragmentHeader.offsetBytes(f, 40));
                    assertEquals(!last, Ipv6FragmentHeader.moreFragments(f, 40));
                    assertEquals(0x1234, Ipv6FragmentHeader.identification(f, 40));
                    assertEquals(0, f.getByte(41), "reserved");
                    assertEquals(0, f.getShort(42) & 6, "res bits");
                    dataIndex = 48;
                    assertTrue(Unpooled.wrappedBuffer(TestPackets.bytes(packet), 8, 32).equals(f.slice(8, 32)));
                } else {
                    assertEquals(f.readableBytes(), Ipv4Header.totalLength(f, 0));
                    assertEquals(offset, Ipv4Header.offsetBytes(f, 0));
                    assertEquals(!last, Ipv4Header.moreFragments(f, 0));
                    assertFalse(Ipv4Header.dontFragment(f, 0));
                    assertEquals(0x1234, Ipv4Header.identification(f, 0));
                    assertTrue(Ipv4Header.checksumValid(f, 0, 20));
                    dataIndex = 20;
                }
                int dataLength = f.readableBytes() - dataIndex;
                if (!last) {
                    assertEquals(perFragment, dataLength, "every fragment but the last is full (a multiple of 8)");
                } else {
                    assertTrue(dataLength > 0 && dataLength <= limit, "last fragment data " + dataLength);
                }
                data.writeBytes(f, dataIndex, dataLength);
                offset += dataLength;
            }
            assertEquals(packet.slice(header, length - header), data);
            data.release();
        }
        for (ByteBuf f : fragments) {
            assertTrue(f.release());
        }
        assertEquals(1, packet.refCnt(), "borrowed");
        packet.release();
    }

    /** Linux's numbers: IPv6 fragments of 40 + 8 + 1448 = 1496 bytes, IPv4 fragments of 20 + 1480 = 1500 bytes. */
    @ParameterizedTest(name = "IPv{0} mtu {1} payload {2}")
    @CsvSource({
        "6, 1500, 65000, 45, 1496, 1344",   // 65008 = 44 × 1448 + 1296
        "4, 1500, 65000, 44, 1500, 1388",   // 65008 = 43 × 1480 + 1368
        "6, 1280, 8000, 7, 1280, 664",      // 8008 = 6 × 1232 + 616
        "4, 9000, 30000, 4, 8996, 3100",    // 30008 = 3 × 8976 + 3080 (8980 rounded down to 8976)
        "6, 1500, 1453, 2, 1496, 61",       // 1461 = 1448 + 13 (the kernel capture's k6 #6/#7)
        "6, 1500, 1452, 1, 1500, 1500",     // fits exactly
        "4, 1500, 1472, 1, 1500, 1500"})
    void linuxGeometry(int version, int mtu, int size, int count, int firstLength, int lastLength) {
        ByteBuf packet = packet(version, size);
        List<ByteBuf> fragments = new Fragmenter().fragment(packet, mtu, ALLOC);
        assertEquals(count, fragments.size());
        assertEquals(firstLength, fragments.get(0).readableBytes());
        assertEquals(lastLength, fragments.get(count - 1).readableBytes());
        fragments.forEach(ByteBuf::release);
        packet.release();
    }

    /** As Linux ip6_fragment: the last fragment takes the rest unrounded, up to 7 bytes more than the others. */
    @Test
    void lastFragmentMayBeLongerThanTheRounded() {
        // fragmentable 2900 at MTU 1500: 1448 + 1452 (limit 1452, unrounded for the last)
        ByteBuf packet = packet(6, 2900 - 8);
        List<ByteBuf> fragments = new Fragmenter().fragment(packet, 1500, ALLOC);
        assertEquals(2, fragments.size());
        assertEquals(1496, fragments.get(0).readableBytes());
        assertEquals(1500, fragments.get(1).readableBytes());
        fragments.forEach(ByteBuf::release);
        packet.release();
    }

    /** Linux ip6_find_1stfragopt: Hop-by-Hop, Routing, and Destination Options not after a Routing header stay. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "hbh+dst+udp, 0:8 60:16, 64",         // Linux keeps a Destination Options header without a Routing header
        "hbh+rt+dst+udp, 0:8 43:24 60:8, 72", // Destination Options after Routing is fragmentable
        "dst+rt+udp, 60:8 43:24, 72",
        "udp, '', 40"})
    void ipv6UnfragmentablePart(String name, String chainSpec, int unfragmentable) {
        ByteBuf packet = withExtensionHeaders(chainSpec, 3000);
        int fragmentable = packet.readableBytes() - unfragmentable;
        List<ByteBuf> fragments = new Fragmenter(99).fragment(packet, 1280, ALLOC);
        int offset = 0;
        for (ByteBuf f : fragments) {
            // headers before the Fragment header are the original's, with the last next-header byte patched
            int fragment = unfragmentable;
            assertEquals(IpProtocols.FRAGMENT, f.getUnsignedByte(nameIndex(packet, unfragmentable)));
            assertEquals(packet.getUnsignedByte(nameIndex(packet, unfragmentable)),
                    Ipv6FragmentHeader.nextHeader(f, fragment));
            assertEquals(offset, Ipv6FragmentHeader.offsetBytes(f, fragment));
            assertEquals(f.readableBytes() - 40, Ipv6Header.payloadLength(f, 0));
            for (int i = 8; i < unfragmentable; i++) {
                if (i != nameIndex(packet, unfragmentable)) {
                    assertEquals(packet.getByte(i), f.getByte(i), "header byte " + i);
                }
            }
            offset += f.readableBytes() - fragment - 8;
        }
        assertEquals(fragmentable, offset);
        // the reassembler puts it back together, the UDP checksum verifies
        EmbeddedChannel ch = new EmbeddedChannel(new IpPacketDecoder(),
                new Ipv6FragmentReassembler(CoalescePolicy.COPY), new UdpDeliver());
        for (ByteBuf f : fragments) {
            ch.writeInbound(f);
        }
        DatagramPacket d = ch.readInbound();
        assertNotNull(d, name);
        assertEquals(3000, d.content().readableBytes());
        assertTrue(Payloads.verify(d.content(), 5));
        d.release();
        assertFalse(ch.finishAndReleaseAll());
        fragments.forEach(f -> assertEquals(0, f.refCnt()));
        packet.release();
    }

    /** IPv4 options: whole in the first fragment, non-copied ones replaced by No-Operation in the others. */
    @Test
    void ipv4OptionsAsLinuxIpOptionsFragment() {
        // Record Route (type 7, not copied, 7 bytes), Router Alert (type 148, copied, 4 bytes), End of List
        byte[] options = {7, 7, 4, 0, 0, 0, 0, (byte) 148, 4, 0, 0, 0};
        ByteBuf plain = packet(4, 5000);
        ByteBuf packet = ALLOC.buffer();
        packet.writeBytes(plain, 0, 20).writeBytes(options).writeBytes(plain, 20, plain.readableBytes() - 20);
        packet.setByte(0, 0x48);
        packet.setShort(Ipv4Header.TOTAL_LENGTH_OFFSET, packet.readableBytes());
        Ipv4Header.updateChecksum(packet, 0, 32);
        List<ByteBuf> fragments = new Fragmenter().fragment(packet, 1500, ALLOC);
        assertEquals(4, fragments.size()); // 5008 = 3 × 1464 + 616
        byte[] later = {1, 1, 1, 1, 1, 1, 1, (byte) 148, 4, 0, 0, 0};
        for (int i = 0; i < fragments.size(); i++) {
            ByteBuf f = fragments.get(i);
            assertEquals(32, Ipv4Header.headerLength(f, 0));
            assertTrue(Ipv4Header.checksumValid(f, 0, 32));
            assertArrayEquals(i == 0 ? options : later, TestPackets.bytes(f.slice(20, 12)), "fragment " + i);
            assertEquals(i * 1464, Ipv4Header.offsetBytes(f, 0));
        }
        EmbeddedChannel ch = new EmbeddedChannel(new IpPacketDecoder(),
                new Ipv4FragmentReassembler(CoalescePolicy.COPY), new UdpDeliver());
        for (int i = fragments.size() - 1; i >= 0; i--) {
            ch.writeInbound(fragments.get(i));
        }
        DatagramPacket d = ch.readInbound();
        assertNotNull(d);
        assertTrue(Payloads.verify(d.content(), 5));
        d.release();
        assertFalse(ch.finishAndReleaseAll());
        plain.release();
        packet.release();
    }

    /** A hand-cut later fragment carries the options by the chosen rule; the first always carries them all. */
    @Test
    void cutPiecesCarryIpv4OptionsByTheChosenRule() {
        byte[] packet = io.netfrag.testkit.UdpDatagrams.builder()
                .addresses(TestPackets.addr("10.0.0.1"), TestPackets.addr("10.0.0.2")).ipv4Options(3)
                .payload(new byte[100]).toByteArray();
        byte[] options = java.util.Arrays.copyOfRange(packet, 20, 32);
        Fragmenter.Piece first = new Fragmenter.Piece(0, 56, true);
        Fragmenter.Piece later = new Fragmenter.Piece(56, 52, false);
        ByteBuf f = Fragmenter.cut(ALLOC, packet, first, 9);
        assertArrayEquals(options, TestPackets.bytes(f.slice(20, 12)), "first: every option");
        f.release();
        byte[] nop = options.clone();
        java.util.Arrays.fill(nop, 4, 11, (byte) 1);
        byte[][] expected = {nop, options, {(byte) 0x94, 4, 0, 0}};
        Fragmenter.LaterOptions[] rules = {Fragmenter.LaterOptions.UNCOPIED_AS_NOP, Fragmenter.LaterOptions.SAME,
            Fragmenter.LaterOptions.COPIED_ONLY};
        for (int r = 0; r < rules.length; r++) {
            ByteBuf packetBuf = Unpooled.wrappedBuffer(packet);
            f = Fragmenter.cut(ALLOC, packetBuf, later, 9, rules[r]);
            int header = 20 + expected[r].length;
            assertEquals(header, Ipv4Header.headerLength(f, 0), rules[r].name());
            assertEquals(header + 52, f.readableBytes());
            assertEquals(f.readableBytes(), Fragmenter.fragmentLength(packetBuf, later, rules[r]));
            assertEquals(header + 52, Ipv4Header.totalLength(f, 0));
            assertTrue(Ipv4Header.checksumValid(f, 0, header));
            assertEquals(56, Ipv4Header.offsetBytes(f, 0));
            assertEquals(0, Ipv4Header.fragmentField(f, 0) & Ipv4Header.FLAG_MF);
            assertEquals(9, Ipv4Header.identification(f, 0));
            assertArrayEquals(expected[r], TestPackets.bytes(f.slice(20, expected[r].length)), rules[r].name());
            assertArrayEquals(java.util.Arrays.copyOfRange(packet, 32 + 56, packet.length),
                    TestPackets.bytes(f.slice(header, 52)));
            f.release();
        }
    }

    /** The Fragment header can go before a Destination Options header Linux would keep unfragmentable. */
    @Test
    void writeWithAChosenUnfragmentablePart() {
        ByteBuf packet = io.netfrag.testkit.UdpDatagrams.builder().addresses(TestPackets.SRC, TestPackets.DST)
                .destinationOptions(0).payload(new byte[24]).build(ALLOC);
        assertEquals(48 + 8 + 8, Fragmenter.fragmentLength(packet, new Fragmenter.Piece(0, 8, true),
                Fragmenter.LaterOptions.SAME), "Linux keeps the Destination Options header unfragmentable");
        ByteBuf f = ALLOC.buffer();
        Fragmenter.write(f, packet, 40, new Fragmenter.Piece(8, 16, true), 5);
        assertEquals(40 + 8 + 16, f.readableBytes());
        assertEquals(IpProtocols.FRAGMENT, f.getUnsignedByte(Ipv6Header.NEXT_HEADER_OFFSET));
        assertEquals(IpProtocols.DESTINATION_OPTIONS, f.getUnsignedByte(40), "the Fragment header names it");
        assertEquals(8, f.getUnsignedShort(42) & 0xfff8);
        assertTrue(packet.slice(48, 16).equals(f.slice(48, 16)), "data from offset 8 after byte 40");
        assertThrows(IllegalArgumentException.class,
                () -> Fragmenter.write(f, packet, 44, new Fragmenter.Piece(0, 8, true), 5));
        f.release();
        packet.release();
    }

    /** A forged piece reaching past the datagram gets zeros there; offsets the headers cannot hold are refused. */
    @Test
    void cutPiecesPastTheEndAndRefusedGeometry() {
        byte[] packet = TestPackets.udp6(TestPackets.payload(40)); // 48 fragmentable bytes
        ByteBuf f = Fragmenter.cut(ALLOC, packet, new Fragmenter.Piece(40, 24, false), 0x01020304);
        assertEquals(40 + 8 + 24, f.readableBytes());
        assertEquals(8 + 24, Ipv6Header.payloadLength(f, 0));
        assertEquals(IpProtocols.FRAGMENT, f.getUnsignedByte(Ipv6Header.NEXT_HEADER_OFFSET));
        assertEquals(IpProtocols.UDP, f.getUnsignedByte(40), "the fragment header names UDP");
        assertEquals(40, f.getUnsignedShort(42) & 0xfff8);
        assertEquals(0x01020304, f.getInt(44));
        assertArrayEquals(java.util.Arrays.copyOfRange(packet, 80, 88), TestPackets.bytes(f.slice(48, 8)));
        assertArrayEquals(new byte[16], TestPackets.bytes(f.slice(56, 16)), "zeros past the datagram");
        f.release();
        assertThrows(IllegalArgumentException.class, () -> new Fragmenter.Piece(4, 8, true));
        assertThrows(IllegalArgumentException.class, () -> new Fragmenter.Piece(65536, 8, true));
        assertThrows(IllegalArgumentException.class, () -> new Fragmenter.Piece(0, -1, true));
        // Linux's rule: a non-last fragment is rounded down to 8, so the last may carry up to 7 bytes more
        assertEquals(List.of(new Fragmenter.Piece(0, 16, true), new Fragmenter.Piece(16, 19, false)),
                Fragmenter.pieces(35, 21));
        ByteBuf beyond = Fragmenter.cut(ALLOC, packet, new Fragmenter.Piece(64, 8, false), 1);
        assertArrayEquals(new byte[8], TestPackets.bytes(beyond.slice(48, 8)), "a piece wholly past the end");
        beyond.release();
    }

    /** A fragment re-fragmented keeps its offset as the base and its MF on the last piece. */
    @Test
    void ipv4FragmentIsRefragmented() {
        ByteBuf packet = packet(4, 5000);
        List<ByteBuf> first = new Fragmenter(7).fragment(packet, 3000, ALLOC); // 2976 + 2032
        List<ByteBuf> pieces = new Fragmenter(7).fragment(first.get(1), 1000, ALLOC); // 976 + 976 + 80
        assertEquals(3, pieces.size());
        int[] offsets = {2976, 2976 + 976, 2976 + 2 * 976};
        for (int i = 0; i < 3; i++) {
            assertEquals(offsets[i], Ipv4Header.offsetBytes(pieces.get(i), 0));
            assertEquals(i < 2, Ipv4Header.moreFragments(pieces.get(i), 0));
        }
        List<ByteBuf> firstPieces = new Fragmenter(7).fragment(first.get(0), 1000, ALLOC);
        assertTrue(firstPieces.stream().allMatch(f -> Ipv4Header.moreFragments(f, 0)), "MF kept on the last piece");
        first.forEach(ByteBuf::release);
        pieces.forEach(ByteBuf::release);
        firstPieces.forEach(ByteBuf::release);
        packet.release();
    }

    @Test
    void refusals() {
        Fragmenter fragmenter = new Fragmenter(5);
        List<ByteBuf> out = new ArrayList<>();
        ByteBuf v4 = packet(4, 3000);
        v4.setShort(Ipv4Header.FRAGMENT_FIELD_OFFSET, Ipv4Header.FLAG_DF);
        Ipv4Header.updateChecksum(v4, 0, 20);
        assertThrows(IllegalArgumentException.class, () -> fragmenter.fragment(v4, 1500, ALLOC, out::add));
        assertEquals(1, fragmenter.fragment(v4, 3028, ALLOC, out::add), "DF and fits: passed on");
        ByteBuf v6 = packet(6, 3000);
        assertThrows(IllegalArgumentException.class, () -> fragmenter.fragment(v6, 55, ALLOC, out::add));
        assertThrows(IllegalArgumentException.class, () -> fragmenter.fragment(v6, 0, ALLOC, out::add));
        List<ByteBuf> fragments = fragmenter.fragment(v6, 1280, ALLOC);
        assertThrows(IllegalArgumentException.class, () -> fragmenter.fragment(fragments.get(0), 600, ALLOC),
                "already a fragment");
        ByteBuf wrongLength = packet(6, 3000);
        wrongLength.writerIndex(wrongLength.writerIndex() - 1);
        assertThrows(IllegalArgumentException.class, () -> fragmenter.fragment(wrongLength, 1280, ALLOC, out::add));
        ByteBuf notIp = Unpooled.wrappedBuffer(new byte[] {0x10, 0, 0, 0});
        assertThrows(IllegalArgumentException.class, () -> fragmenter.fragment(notIp, 1280, ALLOC, out::add));
        assertEquals(1, out.size());
        assertEquals(6, fragmenter.nextIdentification(), "one packet fragmented");
        out.forEach(ByteBuf::release);
        fragments.forEach(ByteBuf::release);
        assertEquals(1, v4.refCnt());
        v4.release();
        v6.release();
        wrongLength.release();
    }

    @Test
    void counterAdvancesPerFragmentedPacketOnly() {
        Fragmenter fragmenter = new Fragmenter(-1);
        ByteBuf small = packet(6, 100);
        ByteBuf big = packet(6, 3000);
        List<ByteBuf> a = fragmenter.fragment(small, 1280, ALLOC);
        List<ByteBuf> b = fragmenter.fragment(big, 1280, ALLOC);
        List<ByteBuf> c = fragmenter.fragment(big, 1280, ALLOC);
        assertEquals(-1, Ipv6FragmentHeader.identification(b.get(0), 40));
        assertEquals(0, Ipv6FragmentHeader.identification(c.get(0), 40));
        assertEquals(1, fragmenter.nextIdentification());
        // the unfragmented packet is a retained slice sharing the packet's memory
        assertEquals(2, small.refCnt());
        a.get(0).release();
        assertEquals(1, small.refCnt());
        b.forEach(ByteBuf::release);
        c.forEach(ByteBuf::release);
        small.release();
        big.release();
    }

    @Test
    void consumerOwnsWhatItGotWhenItThrows() {
        ByteBuf big = packet(4, 5000);
        List<ByteBuf> seen = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> new Fragmenter().fragment(big, 1500, 1, ALLOC, f -> {
            seen.add(f);
            if (seen.size() == 2) {
                throw new IllegalStateException("full");
            }
        }));
        assertEquals(2, seen.size(), "no fragment made after the failure");
        seen.forEach(ByteBuf::release);
        big.release();
    }

    /** A UDP packet with a {@link Payloads} payload (seed 5, index 0; under 8 bytes: zeros). */
    static ByteBuf packet(int version, int size) {
        ByteBuf payload = Unpooled.buffer(size);
        if (size >= Payloads.HEADER_LENGTH) {
            Payloads.fill(payload, 5, 0, size);
        } else {
            payload.writeZero(size);
        }
        ByteBuf p = version == 6
                ? UdpDatagrams.ipv6(PooledByteBufAllocator.DEFAULT, UdpDatagramsTest.SRC6, UdpDatagramsTest.DST6,
                        40001, 5000, payload)
                : UdpDatagrams.ipv4(PooledByteBufAllocator.DEFAULT, UdpDatagramsTest.SRC4, UdpDatagramsTest.DST4,
                        40001, 5000, 77, payload);
        payload.release();
        return p;
    }

    /**
     * An IPv6/UDP packet with extension headers given as "type:length …" (each an option-style header padded with
     * PadN), UDP checksum valid.
     */
    private static ByteBuf withExtensionHeaders(String spec, int payloadLength) {
        ByteBuf plain = packet(6, payloadLength);
        ByteBuf p = ALLOC.buffer();
        p.writeBytes(plain, 0, 40);
        String[] headers = spec.isBlank() ? new String[0] : spec.trim().split(" ");
        int nameIndex = Ipv6Header.NEXT_HEADER_OFFSET;
        for (String h : headers) {
            int type = Integer.parseInt(h.split(":")[0]);
            int length = Integer.parseInt(h.split(":")[1]);
            p.setByte(nameIndex, type);
            nameIndex = p.writerIndex();
            p.writeByte(IpProtocols.UDP).writeByte(length / 8 - 1);
            if (type == IpProtocols.ROUTING) {
                p.writeByte(0).writeByte(0); // routing type 0, segments left 0: ignored by a receiver
                p.writeZero(length - 4);
            } else {
                p.writeByte(1).writeByte(length - 4).writeZero(length - 4); // PadN
            }
        }
        p.writeBytes(plain, 40, plain.readableBytes() - 40);
        Ipv6Header.payloadLength(p, 0, p.readableBytes() - 40);
        plain.release();
        return p;
    }

    /** The index of the next-header byte naming the first fragmentable header, for an unfragmentable length. */
    private static int nameIndex(ByteBuf packet, int unfragmentable) {
        int name = Ipv6Header.NEXT_HEADER_OFFSET;
        int index = 40;
        while (index < unfragmentable) {
            name = index;
            index += (packet.getUnsignedByte(index + 1) + 1) * 8;
        }
        return name;
    }
}
