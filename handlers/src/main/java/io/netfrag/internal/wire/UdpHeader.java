package io.netfrag.internal.wire;

import io.netty.buffer.ByteBuf;

/**
 * Static accessors over a UDP header at an absolute index (RFC 768).
 *
 * <pre>
 * +--------+--------+--------+--------+
 * |   Source Port   | Destination Port|
 * +--------+--------+--------+--------+
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 * </pre>
 *
 * <p>The buffer is borrowed for the call and never retained.
 */
public final class UdpHeader {
    /** Length of the UDP header. */
    public static final int LENGTH = 8;
    /** Offset of the checksum field. */
    public static final int CHECKSUM_OFFSET = 6;

    private UdpHeader() {
    }

    /** Whether a whole UDP header is readable at {@code index}. */
    public static boolean fits(ByteBuf buf, int index) {
        return index >= 0 && buf.writerIndex() - index >= LENGTH;
    }

    /** Source port. */
    public static int sourcePort(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index);
    }

    /** Destination port. */
    public static int destinationPort(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 2);
    }

    /** Length of header and data. */
    public static int length(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + 4);
    }

    /** The checksum field. */
    public static int checksum(ByteBuf buf, int index) {
        return buf.getUnsignedShort(index + CHECKSUM_OFFSET);
    }

    /** Writes a UDP header with a zero checksum. */
    public static void write(ByteBuf buf, int index, int sourcePort, int destinationPort, int length) {
        buf.setShort(index, sourcePort);
        buf.setShort(index + 2, destinationPort);
        buf.setShort(index + 4, length);
        buf.setShort(index + CHECKSUM_OFFSET, 0);
    }
}
