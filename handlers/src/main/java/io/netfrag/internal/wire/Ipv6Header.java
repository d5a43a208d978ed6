package io.netfrag.internal.wire;

import io.netty.buffer.ByteBuf;

/**
 * Static accessors over an IPv6 fixed header in a {@link ByteBuf} at an absolute index (RFC 8200 §3).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Source Address (128 bits)                   |
 * |                 Destination Address (128 bits)                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Accessors do not check bounds beyond what {@link ByteBuf} does; call {@link #fits(ByteBuf, int)} first.
 * The buffer is borrowed for the call and never retained.
 */
public final class Ipv6Header {
    /** Length of the fixed header in bytes. */
    public static final int LENGTH = 40;
    /** Offset of the payload length field. */
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    /** Offset of the next header field. */
    public static final int NEXT_HEADER_OFFSET = 6;
    /** Offset of the hop limit field. */
    public static final int HOP_LIMIT_OFFSET = 7;
    /** Offset of the source address. */
    public static final int SOURCE_OFFSET = 8;
    /** Offset of the destination address. */
    public static final int DESTINATION_OFFSET = 24;
    /** Largest payload length without a jumbo option. */
    public static final int MAX_PAYLOAD_LENGTH = 65535;

    private Ipv6Header() {
    }

    /** Whether a whole fixed header is readable at {@code index}. */
    public static boolean fits(ByteBuf buf, int index) {
        return index >= 0 && buf.writerIndex() - index >= LENGTH;
    }

    /** The version nibble. */
    public static int version(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index) >>> 4;
    }

    /** The 8-bit traffic class (DSCP and ECN). */
    public static int trafficClass(ByteBuf buf, int index) {
        return (buf.getUnsignedShort(index) >>> 4) & 0xff;
    }

    /** The 2 ECN bits of the traffic class (RFC 3168). */
    public static int ecn(ByteBuf buf, int index) {
        return trafficClass(buf, index) & 0x3;
    }

    /** The 20-bit flow label. */
    public static int flowLabel(ByteBuf buf, int index) {
        return buf.getInt(index) & 0xfffff;
    }

    /** The payload length: bytes after the fixed header, extension headers included. */
    public static int payloadLength(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + PAYLOAD_LENGTH_OFFSET);
    }

    /** Sets the payload length. */
    public static void payloadLength(ByteBuf buf, int index, int length) {
        buf.setShort(index + PAYLOAD_LENGTH_OFFSET, length);
    }

    /** The next header value of the fixed header. */
    public static int nextHeader(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + NEXT_HEADER_OFFSET);
    }

    /** The hop limit. */
    public static int hopLimit(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + HOP_LIMIT_OFFSET);
    }

    /** High 64 bits of the source address. */
    public static long sourceHigh(ByteBuf buf, int index) {
        return buf.getLong(index + SOURCE_OFFSET);
    }

    /** Low 64 bits of the source address. */
    public static long sourceLow(ByteBuf buf, int index) {
        return buf.getLong(index + SOURCE_OFFSET + 8);
    }

    /** High 64 bits of the destination address. */
    public static long destinationHigh(ByteBuf buf, int index) {
        return buf.getLong(index + DESTINATION_OFFSET);
    }

    /** Low 64 bits of the destination address. */
    public static long destinationLow(ByteBuf buf, int index) {
        return buf.getLong(index + DESTINATION_OFFSET + 8);
    }

    /**
     * Whether the destination needs the ingress interface in the reassembly key: link-local unicast (fe80::/10) or
     * multicast (ff00::/8), as Linux {@code ip6frag_key} / {@code __ipv6_addr_type}.
     */
    public static boolean scopedDestination(long destinationHigh) {
        int top = (int) (destinationHigh >>> 48);
        return (top & 0xffc0) == 0xfe80 || (top & 0xff00) == 0xff00;
    }
}
