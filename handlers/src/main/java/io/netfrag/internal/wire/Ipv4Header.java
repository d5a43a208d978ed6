package io.netfrag.internal.wire;

import io.netty.buffer.ByteBuf;

/**
 * Static accessors over an IPv4 header at an absolute index (RFC 791 §3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>The buffer is borrowed for the call and never retained.
 */
public final class Ipv4Header {
    /** Length of a header without options. */
    public static final int MIN_LENGTH = 20;
    /** Offset of the total length field. */
    public static final int TOTAL_LENGTH_OFFSET = 2;
    /** Offset of the flags / fragment offset field. */
    public static final int FRAGMENT_FIELD_OFFSET = 6;
    /** Offset of the protocol field. */
    public static final int PROTOCOL_OFFSET = 9;
    /** Offset of the header checksum. */
    public static final int CHECKSUM_OFFSET = 10;
    /** Offset of the source address. */
    public static final int SOURCE_OFFSET = 12;
    /** Offset of the destination address. */
    public static final int DESTINATION_OFFSET = 16;
    /** DF flag in the fragment field. */
    public static final int FLAG_DF = 0x4000;
    /** MF flag in the fragment field. */
    public static final int FLAG_MF = 0x2000;

    private Ipv4Header() {
    }

    /** Whether a minimal header is readable at {@code index}. */
    public static boolean fits(ByteBuf buf, int index) {
        return index >= 0 && buf.writerIndex() - index >= MIN_LENGTH;
    }

    /** The version nibble. */
    public static int version(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index) >>> 4;
    }

    /** Header length in bytes (IHL × 4). */
    public static int headerLength(ByteBuf buf, int index) {
        return (buf.getUnsignedByte(index) & 0xf) << 2;
    }

    /** Type of service / traffic class byte. */
    public static int tos(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 1);
    }

    /** Total length of the datagram. */
    public static int totalLength(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + TOTAL_LENGTH_OFFSET);
    }

    /** Identification. */
    public static int identification(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 4);
    }

    /** The raw flags + fragment offset field. */
    public static int fragmentField(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + FRAGMENT_FIELD_OFFSET);
    }

    /** Fragment offset in bytes. */
    public static int offsetBytes(ByteBuf buf, int index) {
        return (fragmentField(buf, index) & 0x1fff) << 3;
    }

    /** The MF flag. */
    public static boolean moreFragments(ByteBuf buf, int index) {
        return (fragmentField(buf, index) & FLAG_MF) != 0;
    }

    /** The DF flag. */
    public static boolean dontFragment(ByteBuf buf, int index) {
        return (fragmentField(buf, index) & FLAG_DF) != 0;
    }

    /** Time to live. */
    public static int ttl(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + 8);
    }

    /** Protocol of the payload. */
    public static int protocol(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index + PROTOCOL_OFFSET);
    }

    /** Source address as a 32-bit integer. */
    public static int source(ByteBuf buf, int index) {
        return buf.getInt(index + SOURCE_OFFSET);
    }

    /** Destination address as a 32-bit integer. */
    public static int destination(ByteBuf buf, int index) {
        return buf.getInt(index + DESTINATION_OFFSET);
    }

    /** Whether the header checksum over {@code headerLength} bytes verifies. */
    public static boolean checksumValid(ByteBuf buf, int index, int headerLength) {
        return InternetChecksum.fold(InternetChecksum.sum(buf, index, headerLength, 0)) == 0xffff;
    }

    /** Recomputes and stores the header checksum. */
    public static void updateChecksum(ByteBuf buf, int index, int headerLength) {
        buf.setShort(index + CHECKSUM_OFFSET, 0);
        int sum = InternetChecksum.fold(InternetChecksum.sum(buf, index, headerLength, 0));
        buf.setShort(index + CHECKSUM_OFFSET, ~sum & 0xffff);
    }
}
