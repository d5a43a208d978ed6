package io.netfrag.internal.wire;

import io.netty.buffer.ByteBuf;

/**
 * Static accessors over an IPv6 Fragment header at an absolute index (RFC 8200 §4.5).
 *
 * <pre>
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Identification                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>The buffer is borrowed for the call and never retained.
 */
public final class Ipv6FragmentHeader {
    /** Length of the Fragment header. */
    public static final int LENGTH = 8;
    /** Offset of the fragment offset / flags field. */
    public static final int OFFSET_FIELD_OFFSET = 2;
    /** Offset of the identification. */
    public static final int IDENTIFICATION_OFFSET = 4;

    private Ipv6FragmentHeader() {
    }

    /** Whether a whole Fragment header is readable at {@code index}. */
    public static boolean fits(ByteBuf buf, int index) {
        return index >= 0 && buf.writerIndex() - index >= LENGTH;
    }

    /** Next header of the fragmentable part. */
    public static int nextHeader(ByteBuf buf, int index) {
        return buf.getUnsignedByte(index);
    }

    /** The fragment offset in bytes (the field counts 8-octet units). */
    public static int offsetBytes(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + OFFSET_FIELD_OFFSET) & 0xfff8;
    }

    /** The M (more fragments) flag. */
    public static boolean moreFragments(ByteBuf buf, int index) {
        return (buf.getUnsignedShort(index + OFFSET_FIELD_OFFSET) & 1) != 0;
    }

    /** The 32-bit identification. */
    public static int identification(ByteBuf buf, int index) {
        return buf.getInt(index + IDENTIFICATION_OFFSET);
    }

    /** Writes a Fragment header at {@code index}. */
    public static void write(ByteBuf buf, int index, int nextHeader, int offsetBytes, boolean more, int identification) {
        buf.setByte(index, nextHeader);
        buf.setByte(index + 1, 0);
        buf.setShort(index + OFFSET_FIELD_OFFSET, (offsetBytes & 0xfff8) | (more ? 1 : 0));
        buf.setInt(index + IDENTIFICATION_OFFSET, identification);
    }
}
