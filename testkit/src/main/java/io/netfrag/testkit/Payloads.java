package io.netfrag.testkit;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Deterministic UDP payloads that a receiver can check byte for byte without shared state.
 *
 * <p>A payload made by {@link #fill(ByteBuf, long, long, int)} for (seed, index) is:
 *
 * <pre>
 * +--------+--------+--------+--------+--------+--------+--------+--------+------------------------------+
 * |            datagram index (64 bits, big-endian)                       | pattern bytes …              |
 * +--------+--------+--------+--------+--------+--------+--------+--------+------------------------------+
 * </pre>
 *
 * <p>The pattern is a fixed 64 KiB block of pseudo-random bytes, read cyclically from a start offset derived from
 * {@code seed} and {@code index}. Writing it is one bulk copy ({@link ByteBuf#writeBytes(byte[], int, int)}), and
 * checking it is a vectorised {@link ByteBuffer#mismatch(ByteBuffer)}, so neither costs a per-byte Java loop. The
 * pattern never repeats within a datagram of up to 65,536 bytes and is not periodic in any smaller step, so data at
 * the wrong offset, from another datagram of the same stream or from another stream (another seed) is caught, except
 * when two (seed, index) pairs happen to map to the same start offset (probability 2<sup>−16</sup> per pair). A payload
 * of exactly 8 bytes is the index alone and so verifies under any seed; and a payload cut short is a valid shorter
 * payload, so receivers check the length they expect themselves.
 *
 * <p>Buffers are borrowed for the call: {@code fill} advances the writer index of {@code dst} only, {@code verify} and
 * {@code index} change no index.
 */
public final class Payloads {
    /** Bytes of the index header at the start of every payload; also the shortest payload {@code fill} makes. */
    public static final int HEADER_LENGTH = 8;

    private static final int BLOCK = 1 << 16;
    private static final int BLOCK_MASK = BLOCK - 1;
    /** The block twice in a row, so that any {@code BLOCK} bytes from a start in the first half are contiguous. */
    private static final byte[] PATTERN = new byte[2 * BLOCK];

    /** A read-only wrapper of {@link #PATTERN}; wrapped arrays are not leak-tracked and need no release. */
    private static final ByteBuf PATTERN_BUF;

    static {
        new SplittableRandom(0x6e657466726167L).nextBytes(PATTERN);
        System.arraycopy(PATTERN, 0, PATTERN, BLOCK, BLOCK);
        PATTERN_BUF = Unpooled.wrappedBuffer(PATTERN).asReadOnly();
    }

    private Payloads() {
    }

    /**
     * Writes the payload of datagram {@code index} of the stream {@code seed} at the writer index of {@code dst}.
     *
     * @param dst where to write; borrowed, its writer index advances by {@code length}
     * @param seed the stream's seed
     * @param index the datagram's index in the stream
     * @param length payload length, at least {@link #HEADER_LENGTH}
     * @throws IllegalArgumentException when {@code length < HEADER_LENGTH}
     */
    public static void fill(ByteBuf dst, long seed, long index, int length) {
        checkNotNull(dst, "dst");
        if (length < HEADER_LENGTH) {
            throw new IllegalArgumentException("length must be at least " + HEADER_LENGTH + ": " + length);
        }
        dst.ensureWritable(length);
        dst.writeLong(index);
        int start = start(seed, index);
        int remaining = length - HEADER_LENGTH;
        while (remaining > 0) {
            int n = Math.min(remaining, BLOCK);
            dst.writeBytes(PATTERN, start, n);
            remaining -= n;
            // start + BLOCK ≡ start (mod BLOCK): the next chunk continues the cycle at the same place.
        }
    }

    /**
     * The index a payload carries.
     *
     * @param payload a payload from its reader index; borrowed
     * @return the index in its first 8 bytes
     * @throws IndexOutOfBoundsException when fewer than {@link #HEADER_LENGTH} bytes are readable
     */
    public static long index(ByteBuf payload) {
        if (payload.readableBytes() < HEADER_LENGTH) {
            throw new IndexOutOfBoundsException("payload shorter than " + HEADER_LENGTH + " bytes: "
                    + payload.readableBytes());
        }
        return payload.getLong(payload.readerIndex());
    }

    /**
     * Whether {@code payload} is exactly what {@link #fill(ByteBuf, long, long, int)} writes for {@code seed}, the
     * index the payload carries and its length. Works on composite buffers (as reassembly with
     * {@code CoalescePolicy.NONE} or {@code COMPOSITE} delivers them).
     *
     * @param payload the readable bytes of a received payload; borrowed
     * @param seed the stream's seed
     * @return false also when fewer than {@link #HEADER_LENGTH} bytes are readable
     */
    public static boolean verify(ByteBuf payload, long seed) {
        checkNotNull(payload, "payload");
        int length = payload.readableBytes();
        if (length < HEADER_LENGTH) {
            return false;
        }
        int from = payload.readerIndex() + HEADER_LENGTH;
        int start = start(seed, payload.getLong(payload.readerIndex()));
        int count = payload.nioBufferCount();
        if (count < 0) {
            return matchesByGet(payload, from, length - HEADER_LENGTH, start);
        }
        ByteBuffer[] parts = count == 1 ? new ByteBuffer[] {payload.nioBuffer(from, length - HEADER_LENGTH)}
                : payload.nioBuffers(from, length - HEADER_LENGTH);
        int position = 0;
        for (ByteBuffer part : parts) {
            int partEnd = part.limit();
            int index = part.position();
            while (index < partEnd) {
                int patternStart = (start + position) & BLOCK_MASK;
                int n = Math.min(partEnd - index, BLOCK);
                ByteBuffer slice = part.slice(index, n);
                if (slice.mismatch(ByteBuffer.wrap(PATTERN, patternStart, n).slice()) != -1) {
                    return false;
                }
                index += n;
                position += n;
            }
        }
        return true;
    }

    /** For buffers without NIO views: chunked {@link ByteBufUtil#equals} against a wrapped (untracked) pattern. */
    private static boolean matchesByGet(ByteBuf payload, int from, int length, int start) {
        int position = 0;
        while (position < length) {
            int n = Math.min(length - position, BLOCK);
            if (!ByteBufUtil.equals(payload, from + position, PATTERN_BUF, (start + position) & BLOCK_MASK, n)) {
                return false;
            }
            position += n;
        }
        return true;
    }

    /** Start offset of the pattern for (seed, index): 16 bits of a 64-bit mix (SplittableRandom's finaliser). */
    static int start(long seed, long index) {
        long z = seed ^ (index * 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z ^= z >>> 31;
        return (int) (z >>> 48);
    }
}
