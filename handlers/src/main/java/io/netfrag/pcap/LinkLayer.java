package io.netfrag.pcap;

import io.netty.buffer.ByteBuf;

/**
 * Finds the IPv4 or IPv6 packet inside a captured frame, by link-layer header type (LINKTYPE_ values of
 * draft-ietf-opsawg-pcaplinktype and the tcpdump.org registry).
 *
 * <p>Supported link types: {@link #NULL} and {@link #LOOP} (BSD loopback), {@link #ETHERNET} (with any number of
 * 802.1Q / 802.1ad / 0x9100 VLAN tags), {@link #RAW} and its old DLT aliases {@link #DLT_RAW} and
 * {@link #DLT_RAW_OPENBSD}, {@link #LINUX_SLL}, {@link #LINUX_SLL2}, {@link #IPV4} and {@link #IPV6}. Check a link type
 * up front with {@link #checkSupported(int)}.
 *
 * <p>{@link #locate(int, ByteBuf)} never throws for a frame's contents: a truncated header, an unknown ethertype or
 * address family, or no byte of IP payload all give -1. When the link layer names the network protocol (ethertype,
 * address family, or the link type itself) that is what counts, and the IP version nibble is left for the IP decoder
 * to check; only for {@link #RAW} and its aliases does the version nibble (4 or 6) decide. Frames are borrowed for the
 * call and never modified or retained; indices are absolute, like {@link ByteBuf#getByte(int)}.
 */
public final class LinkLayer {
    /** LINKTYPE_NULL: BSD loopback, 4-byte address family in the capturing host's byte order. */
    public static final int NULL = 0;
    /** LINKTYPE_ETHERNET: Ethernet II / 802.3 with a 14-byte header. */
    public static final int ETHERNET = 1;
    /** DLT_RAW as written by old libpcap on most BSDs: raw IP, same as {@link #RAW}. */
    public static final int DLT_RAW = 12;
    /** DLT_RAW as written by old libpcap on OpenBSD: raw IP, same as {@link #RAW}. */
    public static final int DLT_RAW_OPENBSD = 14;
    /** LINKTYPE_RAW: raw IPv4 or IPv6, the version nibble decides. */
    public static final int RAW = 101;
    /** LINKTYPE_LOOP: OpenBSD loopback, like {@link #NULL} but the address family is in network byte order. */
    public static final int LOOP = 108;
    /** LINKTYPE_LINUX_SLL: Linux cooked capture v1, 16-byte header, protocol (ethertype) at offset 14. */
    public static final int LINUX_SLL = 113;
    /** LINKTYPE_IPV4: raw IPv4. */
    public static final int IPV4 = 228;
    /** LINKTYPE_IPV6: raw IPv6. */
    public static final int IPV6 = 229;
    /** LINKTYPE_LINUX_SLL2: Linux cooked capture v2, 20-byte header, protocol (ethertype) at offset 0. */
    public static final int LINUX_SLL2 = 276;

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86DD;
    static final int ETHERTYPE_8021Q = 0x8100;
    static final int ETHERTYPE_8021AD = 0x88A8;
    static final int ETHERTYPE_QINQ_LEGACY = 0x9100;

    private static final int ETHERNET_HEADER = 14;
    private static final int VLAN_TAG = 4;
    private static final int SLL_HEADER = 16;
    private static final int SLL2_HEADER = 20;
    private static final int NULL_HEADER = 4;

    private LinkLayer() {
    }

    /**
     * Whether {@link #locate(int, ByteBuf)} understands a link type.
     *
     * @param linkType a LINKTYPE_ value
     * @return true for the link types listed in the class description
     */
    public static boolean supported(int linkType) {
        switch (linkType) {
            case NULL:
            case ETHERNET:
            case DLT_RAW:
            case DLT_RAW_OPENBSD:
            case RAW:
            case LOOP:
            case LINUX_SLL:
            case IPV4:
            case IPV6:
            case LINUX_SLL2:
                return true;
            default:
                return false;
        }
    }

    /**
     * Checks a link type before reading frames of it.
     *
     * @param linkType a LINKTYPE_ value, e.g. {@link PcapRecord#linkType()}
     * @throws PcapFormatException naming the link type when it is not {@link #supported(int)}
     */
    public static void checkSupported(int linkType) throws PcapFormatException {
        if (!supported(linkType)) {
            throw new PcapFormatException("unsupported link type " + linkType + ": supported are 0 (NULL), "
                    + "1 (Ethernet), 12/14/101 (raw IP), 108 (LOOP), 113 (Linux SLL), 228 (raw IPv4), "
                    + "229 (raw IPv6), 276 (Linux SLL2)");
        }
    }

    /**
     * Locates the IP packet in a frame.
     *
     * <p>The packet runs from the frame's link-layer header to the frame's {@code writerIndex()}, except for Ethernet,
     * where the minimum-frame padding (or an FCS) after the packet is cut off using the IPv4 total length or the IPv6
     * payload length when that is shorter than what was captured.
     *
     * @param linkType the record's link type
     * @param frame the captured frame, from its {@code readerIndex()}; borrowed, not modified
     * @return {@code -1} when the frame does not carry IPv4 or IPv6 (or is too short to tell); otherwise the absolute
     *         index and the length of the IP packet packed into a long: decode with {@link #index(long)} and
     *         {@link #length(long)}. The length is at least 1.
     * @throws PcapFormatException when the link type is not {@link #supported(int)}; never for the frame's contents
     */
    public static long locate(int linkType, ByteBuf frame) throws PcapFormatException {
        int start = frame.readerIndex();
        int end = frame.writerIndex();
        switch (linkType) {
            case ETHERNET:
                if (end - start < ETHERNET_HEADER) {
                    return -1;
                }
                return byEthertype(frame, frame.getUnsignedShort(start + 12), start + ETHERNET_HEADER, end, true);
            case RAW:
            case DLT_RAW:
            case DLT_RAW_OPENBSD:
                return byVersion(frame, start, end);
            case IPV4:
            case IPV6:
                return declared(start, end);
            case LINUX_SLL:
                if (end - start < SLL_HEADER) {
                    return -1;
                }
                return byEthertype(frame, frame.getUnsignedShort(start + 14), start + SLL_HEADER, end, false);
            case LINUX_SLL2:
                if (end - start < SLL2_HEADER) {
                    return -1;
                }
                return byEthertype(frame, frame.getUnsignedShort(start), start + SLL2_HEADER, end, false);
            case NULL:
                if (end - start < NULL_HEADER) {
                    return -1;
                }
                int family = frame.getIntLE(start);
                if ((family & 0xffff0000) != 0) {
                    // Written by a big-endian host: the family is small, so a value with high bits set is swapped.
                    family = Integer.reverseBytes(family);
                }
                return byAddressFamily(family, start + NULL_HEADER, end);
            case LOOP:
                if (end - start < NULL_HEADER) {
                    return -1;
                }
                return byAddressFamily(frame.getInt(start), start + NULL_HEADER, end);
            default:
                checkSupported(linkType);
                throw new AssertionError(linkType);
        }
    }

    /** The absolute index of the IP packet in a non-negative {@link #locate(int, ByteBuf)} result. */
    public static int index(long location) {
        return (int) (location >>> 32);
    }

    /** The length of the IP packet in a non-negative {@link #locate(int, ByteBuf)} result. */
    public static int length(long location) {
        return (int) location;
    }

    /**
     * The IP packet of a frame as a slice.
     *
     * @param linkType the record's link type
     * @param frame the captured frame; borrowed
     * @return a slice of {@code frame} that shares its memory and reference count and is not retained (call
     *         {@code retain()} on it to keep it after the frame is released), or {@code null} when
     *         {@link #locate(int, ByteBuf)} returns -1
     * @throws PcapFormatException when the link type is not {@link #supported(int)}
     */
    public static ByteBuf ipPacket(int linkType, ByteBuf frame) throws PcapFormatException {
        long location = locate(linkType, frame);
        return location < 0 ? null : frame.slice(index(location), length(location));
    }

    static long location(int index, int length) {
        return (long) index << 32 | length;
    }

    private static long declared(int index, int end) {
        return index < end ? location(index, end - index) : -1;
    }

    private static long byVersion(ByteBuf frame, int index, int end) {
        if (index >= end) {
            return -1;
        }
        int version = frame.getUnsignedByte(index) >>> 4;
        return version == 4 || version == 6 ? location(index, end - index) : -1;
    }

    /**
     * After an ethertype: skips VLAN tags (each 2 bytes TCI then the next ethertype), then takes IPv4 or IPv6.
     *
     * @param index first byte after the ethertype field
     * @param trimToIpLength cut Ethernet padding after the IP packet
     */
    private static long byEthertype(ByteBuf frame, int ethertype, int index, int end, boolean trimToIpLength) {
        int type = ethertype;
        int p = index;
        while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD || type == ETHERTYPE_QINQ_LEGACY) {
            if (end - p < VLAN_TAG) {
                return -1;
            }
            type = frame.getUnsignedShort(p + 2);
            p += VLAN_TAG;
        }
        if (p >= end || type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6) {
            return -1;
        }
        int length = end - p;
        if (trimToIpLength) {
            length = ipLength(frame, p, length, type == ETHERTYPE_IPV4 ? 4 : 6);
        }
        return location(p, length);
    }

    /** The IP packet's own length when its header is readable, of the expected version, and shorter than captured. */
    private static int ipLength(ByteBuf frame, int index, int captured, int version) {
        if (frame.getUnsignedByte(index) >>> 4 != version) {
            return captured;
        }
        if (version == 4 && captured >= 4) {
            int totalLength = frame.getUnsignedShort(index + 2);
            return totalLength >= 20 && totalLength < captured ? totalLength : captured;
        }
        if (version == 6 && captured >= 6) {
            // Payload length 0 may be a jumbogram (RFC 2675): keep everything.
            int payloadLength = frame.getUnsignedShort(index + 4);
            return payloadLength > 0 && 40 + payloadLength < captured ? 40 + payloadLength : captured;
        }
        return captured;
    }

    /** BSD address families: 2 is AF_INET everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD),
     * 28 (FreeBSD), 30 (macOS). */
    private static long byAddressFamily(int family, int index, int end) {
        switch (family) {
            case 2:
            case 10:
            case 24:
            case 28:
            case 30:
                return declared(index, end);
            default:
                return -1;
        }
    }
}
