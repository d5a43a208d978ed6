package io.netfrag.internal.wire;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): a ones'-complement sum of 16-bit big-endian words.
 *
 * <p>Hand-written because Netty has no public checksum utility and the JDK's {@code Checksum} implementations are
 * CRC/Adler. Sums are accumulated in a {@code long} without folding (a long holds 2^32 additions of 32-bit words,
 * far more than any 64 KiB datagram needs) and folded once at the end. Composite buffers are summed component by
 * component; a component that starts at an odd position of the summed range is byte-swapped, as RFC 1071 §2(B) allows.
 * Buffers are borrowed for the call.
 */
public final class InternetChecksum {

    private InternetChecksum() {
    }

    /**
     * Adds {@code length} bytes of {@code buf} from {@code index} to {@code initial}.
     *
     * @return the unfolded sum (fold with {@link #fold(long)})
     */
    public static long sum(ByteBuf buf, int index, int length, long initial) {
        if (length == 0) {
            return initial;
        }
        if (length <= SMALL) {
            return initial + sumSmall(buf, index, length);
        }
        int count = buf.nioBufferCount();
        if (count == 1) {
            return initial + sum(buf.internalNioBuffer(index, length), 0);
        }
        if (count < 0) {
            // Not exposable as NIO buffers: fall back to byte access.
            return initial + sumBytes(buf, index, length);
        }
        long total = initial;
        int position = 0;
        for (ByteBuffer component : buf.nioBuffers(index, length)) {
            long part = sum(component, 0);
            if ((position & 1) != 0) {
                part = swap(fold(part));
            }
            total += part;
            position += component.remaining();
        }
        return total;
    }

    private static long sum(ByteBuffer bb, long acc) {
        int pos = bb.position();
        int end = bb.limit();
        long sum = acc;
        if (end - pos >= 64) {
            // Bulk: little-endian 64-bit reads (native order on x86/ARM, no byte swapping) into two accumulators.
            // Ones'-complement sums are byte-order independent up to one final swap (RFC 1071 §2(B)).
            ByteBuffer le = bb.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            long s0 = 0;
            long s1 = 0;
            int bulkEnd = pos + ((end - pos) & ~15);
            while (pos < bulkEnd) {
                long v = le.getLong(pos);
                long w = le.getLong(pos + 8);
                s0 += (v >>> 32) + (v & 0xffffffffL);
                s1 += (w >>> 32) + (w & 0xffffffffL);
                pos += 16;
            }
            sum += swap(fold(s0 + s1));
        }
        ByteBuffer b = bb.order() == ByteOrder.BIG_ENDIAN ? bb : bb.duplicate().order(ByteOrder.BIG_ENDIAN);
        while (end - pos >= 8) {
            long v = b.getLong(pos);
            sum += (v >>> 32) + (v & 0xffffffffL);
            pos += 8;
        }
        if (end - pos >= 4) {
            sum += b.getInt(pos) & 0xffffffffL;
            pos += 4;
        }
        if (end - pos >= 2) {
            sum += b.getShort(pos) & 0xffff;
            pos += 2;
        }
        if (pos < end) {
            sum += (b.get(pos) & 0xff) << 8;
        }
        return sum;
    }

    /**
     * Up to this many bytes (an IPv4 header, a small datagram) are summed through the buffer's own accessors: an NIO
     * view costs more than the sum (for a pooled direct buffer a new {@code ByteBuffer} slice each time, which was
     * a third of the cost of decoding a small IPv4 fragment).
     */
    static final int SMALL = 64;

    /** Big-endian 32-bit words, then a 16-bit word and an odd byte: the same ones' complement sum once folded. */
    private static long sumSmall(ByteBuf buf, int index, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 3 < length; i += 4) {
            sum += buf.getUnsignedInt(index + i);
        }
        if (i + 1 < length) {
            sum += buf.getUnsignedShort(index + i);
            i += 2;
        }
        if (i < length) {
            sum += buf.getUnsignedByte(index + i) << 8;
        }
        return sum;
    }

    private static long sumBytes(ByteBuf buf, int index, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += buf.getUnsignedShort(index + i);
        }
        if (i < length) {
            sum += buf.getUnsignedByte(index + i) << 8;
        }
        return sum;
    }

    private static long swap(int folded) {
        return ((folded & 0xff) << 8) | (folded >>> 8);
    }

    /** Folds a sum to 16 bits (not complemented). */
    public static int fold(long sum) {
        long s = (sum & 0xffffffffL) + (sum >>> 32);
        s = (s & 0xffffffffL) + (s >>> 32);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return (int) s;
    }

    /**
     * The pseudo-header sum for IPv6 upper-layer checksums (RFC 8200 §8.1).
     */
    public static long ipv6PseudoHeader(long srcHigh, long srcLow, long dstHigh, long dstLow, int upperLength,
            int protocol) {
        return words(srcHigh) + words(srcLow) + words(dstHigh) + words(dstLow) + (upperLength & 0xffffffffL)
                + protocol;
    }

    /** The pseudo-header sum for IPv4 upper-layer checksums (RFC 768). */
    public static long ipv4PseudoHeader(int src, int dst, int upperLength, int protocol) {
        return (src & 0xffffffffL) + (dst & 0xffffffffL) + upperLength + protocol;
    }

    private static long words(long v) {
        return (v >>> 32) + (v & 0xffffffffL);
    }
}
