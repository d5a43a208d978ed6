package io.netfrag.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LinkLayer}: every supported link type, tags, truncation, padding, unknown link types. */
final class LinkLayerTest {
    /** IPv4 header, total length 20. */
    private static final String V4 = "45000014 00010000 40110000 0a000001 0a000002";
    /** IPv6 header with an 8-byte UDP payload: 48 bytes. */
    private static final String V6 = "60000000 0008 1140 fc000001000000000000000000000001"
            + " fc000002000000000000000000000001 9c41 1388 0008 0000";
    private static final String MACS = "020000000002 020000000001 ";
    private static final String SLL = "0000 0001 0006 020000000001 0000 ";
    private static final String SLL2_TAIL = " 0000 00000002 0001 00 06 020000000001 0000 ";

    private static Arguments row(String name, int linkType, String hex, int index, int length) {
        return Arguments.of(name, linkType, hex, index, length);
    }

    private static Arguments none(String name, int linkType, String hex) {
        return Arguments.of(name, linkType, hex, -1, -1);
    }

    static Stream<Arguments> frames() {
        return Stream.of(
                row("Ethernet IPv4", LinkLayer.ETHERNET, MACS + "0800" + V4, 14, 20),
                row("Ethernet IPv6", LinkLayer.ETHERNET, MACS + "86dd" + V6, 14, 48),
                row("Ethernet 802.1Q IPv4", LinkLayer.ETHERNET, MACS + "8100 0064 0800" + V4, 18, 20),
                row("Ethernet 802.1ad + 802.1Q IPv6", LinkLayer.ETHERNET,
                        MACS + "88a8 00c8 8100 0064 86dd" + V6, 22, 48),
                row("Ethernet 0x9100 + 802.1Q IPv4", LinkLayer.ETHERNET,
                        MACS + "9100 00c8 8100 0064 0800" + V4, 22, 20),
                row("Ethernet three tags IPv6", LinkLayer.ETHERNET,
                        MACS + "88a8 0001 8100 0002 8100 0003 86dd" + V6, 26, 48),
                row("Ethernet IPv4 with minimum-frame padding", LinkLayer.ETHERNET,
                        MACS + "0800" + V4 + "00".repeat(26), 14, 20),
                row("Ethernet IPv6 with FCS", LinkLayer.ETHERNET, MACS + "86dd" + V6 + "deadbeef", 14, 48),
                row("Ethernet IPv4 cut by the snap length", LinkLayer.ETHERNET,
                        MACS + "0800" + V4.replace(" ", "").substring(0, 20), 14, 10),
                row("Ethernet IPv6 jumbogram length 0 kept whole", LinkLayer.ETHERNET,
                        MACS + "86dd" + V6.replace("0008 1140", "0000 0040") + "00000000", 14, 52),
                none("Ethernet ARP", LinkLayer.ETHERNET, MACS + "0806 0001 0800 0604 0001"),
                none("Ethernet 13 bytes", LinkLayer.ETHERNET, MACS + "08"),
                none("Ethernet header only", LinkLayer.ETHERNET, MACS + "0800"),
                none("Ethernet cut inside a VLAN tag", LinkLayer.ETHERNET, MACS + "8100 0064"),
                none("Ethernet VLAN tag then nothing", LinkLayer.ETHERNET, MACS + "8100 0064 0800"),

                row("raw IPv4", LinkLayer.RAW, V4, 0, 20),
                row("raw IPv6", LinkLayer.RAW, V6, 0, 48),
                row("raw IPv4 with trailing bytes kept", LinkLayer.RAW, V4 + "abcd", 0, 22),
                none("raw version 5", LinkLayer.RAW, "5" + V4.substring(1)),
                none("raw empty", LinkLayer.RAW, ""),
                row("DLT 12 IPv4", LinkLayer.DLT_RAW, V4, 0, 20),
                row("DLT 14 IPv6", LinkLayer.DLT_RAW_OPENBSD, V6, 0, 48),
                none("DLT 14 ARP-looking", LinkLayer.DLT_RAW_OPENBSD, "0001 0800"),

                row("LINKTYPE_IPV4", LinkLayer.IPV4, V4, 0, 20),
                row("LINKTYPE_IPV6", LinkLayer.IPV6, V6, 0, 48),
                row("LINKTYPE_IPV6 one byte", LinkLayer.IPV6, "60", 0, 1),
                none("LINKTYPE_IPV4 empty", LinkLayer.IPV4, ""),

                row("SLL IPv4", LinkLayer.LINUX_SLL, SLL + "0800" + V4, 16, 20),
                row("SLL IPv6", LinkLayer.LINUX_SLL, SLL + "86dd" + V6, 16, 48),
                row("SLL 802.1Q IPv6", LinkLayer.LINUX_SLL, SLL + "8100 0064 86dd" + V6, 20, 48),
                row("SLL keeps trailing bytes", LinkLayer.LINUX_SLL, SLL + "0800" + V4 + "0000", 16, 22),
                none("SLL ARP", LinkLayer.LINUX_SLL, SLL + "0806 0001"),
                none("SLL 15 bytes", LinkLayer.LINUX_SLL, SLL + "08"),
                none("SLL header only", LinkLayer.LINUX_SLL, SLL + "86dd"),

                row("SLL2 IPv6", LinkLayer.LINUX_SLL2, "86dd" + SLL2_TAIL + V6, 20, 48),
                row("SLL2 IPv4", LinkLayer.LINUX_SLL2, "0800" + SLL2_TAIL + V4, 20, 20),
                none("SLL2 ARP", LinkLayer.LINUX_SLL2, "0806" + SLL2_TAIL + "0001"),
                none("SLL2 19 bytes", LinkLayer.LINUX_SLL2, ("86dd" + SLL2_TAIL).replace(" ", "").substring(0, 38)),

                row("NULL AF_INET little-endian", LinkLayer.NULL, "02000000" + V4, 4, 20),
                row("NULL AF_INET big-endian", LinkLayer.NULL, "00000002" + V4, 4, 20),
                row("NULL AF_INET6 10 (Linux)", LinkLayer.NULL, "0a000000" + V6, 4, 48),
                row("NULL AF_INET6 24 (NetBSD, OpenBSD)", LinkLayer.NULL, "18000000" + V6, 4, 48),
                row("NULL AF_INET6 28 (FreeBSD)", LinkLayer.NULL, "1c000000" + V6, 4, 48),
                row("NULL AF_INET6 30 (macOS)", LinkLayer.NULL, "1e000000" + V6, 4, 48),
                row("NULL AF_INET6 30 big-endian", LinkLayer.NULL, "0000001e" + V6, 4, 48),
                none("NULL AF 7", LinkLayer.NULL, "07000000" + V4),
                none("NULL 3 bytes", LinkLayer.NULL, "020000"),
                none("NULL header only", LinkLayer.NULL, "02000000"),

                row("LOOP AF_INET", LinkLayer.LOOP, "00000002" + V4, 4, 20),
                row("LOOP AF_INET6", LinkLayer.LOOP, "0000001e" + V6, 4, 48),
                none("LOOP host-order family", LinkLayer.LOOP, "02000000" + V4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void locatesTheIpPacket(String name, int linkType, String hex, int index, int length) throws PcapFormatException {
        byte[] bytes = ByteBufUtil.decodeHexDump(hex.replace(" ", ""));
        // Three bytes of something else before the frame: indices are absolute.
        ByteBuf frame = Unpooled.buffer(bytes.length + 3).writeBytes(new byte[] {9, 9, 9}).writeBytes(bytes);
        frame.readerIndex(3);
        try {
            long location = LinkLayer.locate(linkType, frame);
            if (index < 0) {
                assertEquals(-1, location);
                assertNull(LinkLayer.ipPacket(linkType, frame));
            } else {
                assertEquals(index + 3, LinkLayer.index(location), "index");
                assertEquals(length, LinkLayer.length(location), "length");
                ByteBuf ip = LinkLayer.ipPacket(linkType, frame);
                assertArrayEquals(Arrays.copyOfRange(bytes, index, index + length), ByteBufUtil.getBytes(ip));
            }
            assertEquals(3, frame.readerIndex(), "the frame is borrowed: reader index untouched");
            assertEquals(3 + bytes.length, frame.writerIndex());
        } finally {
            assertTrue(frame.release());
        }
        assertEquals(0, frame.refCnt());
    }

    @Test
    void theSliceSharesTheFrameReferenceCount() throws PcapFormatException {
        ByteBuf frame = Unpooled.buffer().writeBytes(ByteBufUtil.decodeHexDump((MACS + "0800" + V4).replace(" ", "")));
        ByteBuf ip = LinkLayer.ipPacket(LinkLayer.ETHERNET, frame);
        assertEquals(20, ip.readableBytes());
        assertEquals(0x45, ip.getUnsignedByte(ip.readerIndex()));
        assertEquals(1, frame.refCnt());
        ip.retain();
        assertEquals(2, frame.refCnt());
        ip.release();
        frame.release();
        assertEquals(0, frame.refCnt());
        assertEquals(0, ip.refCnt());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276})
    void supportsTheListedLinkTypes(int linkType) throws PcapFormatException {
        assertTrue(LinkLayer.supported(linkType));
        LinkLayer.checkSupported(linkType);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 9, 105, 127, 147, 65535})
    void rejectsUnknownLinkTypesByName(int linkType) {
        assertFalse(LinkLayer.supported(linkType));
        String expected = "unsupported link type " + linkType + ": supported are 0 (NULL), 1 (Ethernet), "
                + "12/14/101 (raw IP), 108 (LOOP), 113 (Linux SLL), 228 (raw IPv4), 229 (raw IPv6), 276 (Linux SLL2)";
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> LinkLayer.checkSupported(linkType));
        assertEquals(expected, e.getMessage());
        ByteBuf frame = Unpooled.buffer().writeBytes(ByteBufUtil.decodeHexDump(V4.replace(" ", "")));
        try {
            e = assertThrows(PcapFormatException.class, () -> LinkLayer.locate(linkType, frame));
            assertEquals(expected, e.getMessage());
        } finally {
            frame.release();
        }
        assertEquals(0, frame.refCnt());
    }
}
