package io.netfrag.internal.reassembly;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Where a queue keeps its data under memory pressure while that data is tiny next to the copy buffer it would need
 * (FragmentSmack: a few 8-byte fragments at random offsets of a 64 KB range): the fragments' bytes back to back in one
 * small array, in arrival order; entry {@code i} is at {@code entries[2i]} in the payload and starts at
 * {@code entries[2i + 1]} in {@link #bytes}, ending where the next entry (or {@link #used}) starts. Folded into the
 * copy buffer when the queue gets one.
 *
 * <p>A heap array rather than a pooled buffer: it never leaves the queue, a flood creates and drops one per attack
 * identification, and a {@code byte[]} costs a TLAB bump to get and nothing to drop, where the pooled allocator's
 * allocate and release were a measurable share of the cost of an attack fragment.
 */
final class SparseStore {
    /**
     * Smallest array: 16 fragments of 8 bytes (it doubles as needed). Small because a flood of tiny fragments on
     * fresh IDs makes one store per packet, and what it costs is mostly the fresh memory each one touches.
     */
    static final int INITIAL_BYTES = 128;
    /** What a {@code byte[]} or {@code int[]} costs beyond its elements (object header and length, rounded up). */
    static final int ARRAY_OVERHEAD_BYTES = 16;

    private byte[] bytes;
    private int used;
    private int[] entries;
    private int count;

    /** What a new store costs once it holds {@code firstLength} bytes (to be charged). */
    private long create(int firstLength) {
        bytes = new byte[Math.max(INITIAL_BYTES, firstLength)];
        entries = new int[16];
        return bytes.length + ARRAY_OVERHEAD_BYTES + 4L * entries.length + ARRAY_OVERHEAD_BYTES;
    }

    /**
     * Copies {@code length} bytes of {@code src} at {@code index} as the data at payload {@code offset}.
     *
     * @param src borrowed
     * @return bytes by which the store grew (to be charged)
     */
    long store(ByteBuf src, int index, int offset, int length) {
        long grown = 0;
        if (bytes == null) {
            grown = create(length);
        } else {
            if (bytes.length - used < length) {
                int n = Math.max(2 * bytes.length, used + length);
                grown += n - bytes.length;
                bytes = Arrays.copyOf(bytes, n);
            }
            if (2 * count == entries.length) {
                grown += 4L * entries.length;
                entries = Arrays.copyOf(entries, 2 * entries.length);
            }
        }
        entries[2 * count] = offset;
        entries[2 * count + 1] = used;
        count++;
        src.getBytes(index, bytes, used, length);
        used += length;
        return grown;
    }

    /** What the store is charged. */
    long charge() {
        return bytes == null ? 0 : bytes.length + 4L * entries.length + 2 * ARRAY_OVERHEAD_BYTES;
    }

    /**
     * Copies every entry to {@code head} at {@code headroom + offset}.
     *
     * @return what the store was charged (to be uncharged: the caller drops the store)
     */
    long foldInto(ByteBuf head, int headroom) {
        for (int i = 0; i < count; i++) {
            head.setBytes(headroom + entries[2 * i], bytes, start(i), length(i));
        }
        return charge();
    }

    /**
     * Copies up to {@code max} bytes of the entry at payload offset 0 to {@code dst}.
     *
     * @return whether there is such an entry
     */
    boolean copyFirstTo(ByteBuf dst, int max) {
        for (int i = 0; i < count; i++) {
            if (entries[2 * i] == 0) {
                dst.writeBytes(bytes, start(i), Math.min(max, length(i)));
                return true;
            }
        }
        return false;
    }

    /** Number of entries. */
    int count() {
        return count;
    }

    private int start(int i) {
        return entries[2 * i + 1];
    }

    private int length(int i) {
        return (i + 1 < count ? entries[2 * i + 3] : used) - entries[2 * i + 1];
    }
}
