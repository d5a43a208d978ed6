package io.netfrag.internal.reassembly;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.Arrays;

/**
 * Where a datagram's bytes go and how it is put together: the copy buffer data is copied into (sized for the whole
 * datagram at once, from the last datagram's size when the end is not known yet; a heap buffer for a datagram that is
 * decrypted next, see {@link Fragment#decryptedNext}), the header kept from the first fragment, and the completed
 * datagram — one contiguous buffer when every byte was copied, else Netty's {@link CompositeByteBuf} of the header,
 * the copied runs and the held fragments in offset order (Linux's {@code frag_list}). It also lends queues the
 * coverage bitmaps of the last completed datagram, so a steady stream allocates none per datagram.
 */
final class DatagramAssembler {
    /** Data this many times smaller than the copy buffer it would need is "tiny" (see {@link #sparseUnderPressure}). */
    static final long TINY_FRAGMENT_RATIO = 64;
    private static final int BLOCK_SHIFT = 3;

    private final int maxPayloadBytes;
    private final MemoryAccount account;
    /** Payload length of the last completed datagram: the size of the next copy buffer while its end is unknown. */
    private int sizeHint;
    private long[] spareCoverage;
    private long[] spareRunStarts;

    DatagramAssembler(int maxPayloadBytes, MemoryAccount account) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.account = account;
    }

    /** The payload length a queue is expected to reach when the fragment ending at {@code end} makes it. */
    int expectedLength(int end) {
        return Math.min(maxPayloadBytes, Math.max(end, sizeHint));
    }

    /** Gives a new queue bitmaps for {@code hint} payload bytes: the spare pair if big enough, else new ones. */
    void giveBitmaps(FragmentQueue<?> q, int hint) {
        int words = Math.max(1, (((hint + 7) >>> BLOCK_SHIFT) + 63) >>> 6);
        if (spareCoverage != null && spareCoverage.length >= words) {
            q.coverage = spareCoverage;
            q.runStarts = spareRunStarts;
            spareCoverage = null;
            spareRunStarts = null;
        } else {
            q.coverage = new long[words];
            q.runStarts = new long[words];
        }
    }

    /**
     * Whether a queue without a copy buffer should keep its data in its sparse store rather than get the copy buffer:
     * the table is past the low threshold (or would be with that buffer) and the buffer, sized for the datagram, would
     * be more than {@value #TINY_FRAGMENT_RATIO} times the data the queue has received. A flood of tiny fragments on
     * fresh IDs (FragmentSmack) would otherwise pin a whole datagram's buffer per ID and evict legitimate datagrams
     * after ~60 IDs. A datagram in fragments of ordinary MTUs (a 64 KB datagram in 1232-byte fragments asks for 53
     * times its first fragment) gets its buffer at once, so a normal stream, even one that keeps the table at its
     * limit because of losses, copies every byte exactly once into one buffer per datagram; a datagram of tiny
     * fragments moves to a copy buffer once it has received 1/64 of it. Without pressure the buffer is always sized
     * for the whole datagram at once.
     */
    boolean sparseUnderPressure(FragmentQueue<?> q, int headroom) {
        long need = headroom + (long) (q.lastIn ? q.length
                : Math.max(q.tailEnd, Math.min(sizeHint, maxPayloadBytes)));
        return need > TINY_FRAGMENT_RATIO * q.meat && account.wouldPassLow(need);
    }

    /** Makes sure {@code q} has a copy buffer reaching {@code end}, with {@code headroom} in front for the header. */
    void ensureHead(FragmentQueue<?> q, int end, int headroom, ByteBufAllocator alloc) {
        if (q.head == null) {
            // the sparse store, if any, reaches up to tailEnd
            int payload = q.lastIn ? q.length
                    : Math.max(Math.max(end, q.sparse != null ? q.tailEnd : 0), Math.min(sizeHint, maxPayloadBytes));
            q.headroom = headroom;
            q.head = copyBuffer(q, headroom + payload, alloc);
            account.charge(q, q.head.capacity());
            if (q.sparse != null) {
                account.charge(q, -q.sparse.foldInto(q.head, q.headroom));
                q.sparse = null;
            }
        } else if (q.headroom + end > q.head.capacity()) {
            int payload = q.lastIn ? q.length
                    : Math.max(end, Math.min(maxPayloadBytes, 2 * (q.head.capacity() - q.headroom)));
            ByteBuf bigger = copyBuffer(q, q.headroom + payload, alloc);
            // Copy everything written so far (header room included); indices are not used for the copy buffer.
            bigger.setBytes(0, q.head, 0, q.head.capacity());
            long old = q.head.capacity();
            q.head.release();
            q.head = bigger;
            account.charge(q, bigger.capacity() - old);
        }
    }

    /** A copy buffer of {@code capacity} bytes: heap for a datagram decrypted next, else direct. */
    private static ByteBuf copyBuffer(FragmentQueue<?> q, int capacity, ByteBufAllocator alloc) {
        return q.heapCopy ? alloc.heapBuffer(capacity) : alloc.directBuffer(capacity);
    }

    /** Keeps the first fragment's header: in the copy buffer's headroom if there is room, else in a buffer of its own. */
    void storeHeader(FragmentQueue<?> q, ByteBuf buf, int index, int length, ByteBufAllocator alloc) {
        q.headerLength = length;
        if (q.head != null && q.headroom >= length) {
            q.head.setBytes(q.headroom - length, buf, index, length);
            q.headerInHead = true;
        } else {
            q.headerBuf = alloc.directBuffer(length);
            q.headerBuf.writeBytes(buf, index, length);
            account.charge(q, q.headerBuf.capacity());
        }
    }

    /**
     * Puts a complete datagram together: the header (at index 0 of the readable bytes) followed by the payload. The
     * queue's buffers move into the result; the caller has taken the queue out of the table and its account.
     *
     * @return the datagram; ownership is transferred to the caller
     */
    ByteBuf assemble(FragmentQueue<?> q, ByteBufAllocator alloc) {
        sizeHint = q.length;
        if (spareCoverage == null || spareCoverage.length < q.coverage.length) {
            Arrays.fill(q.coverage, 0);
            Arrays.fill(q.runStarts, 0);
            spareCoverage = q.coverage;
            spareRunStarts = q.runStarts;
        }
        ByteBuf result;
        if (q.heldCount == 0 && q.headerInHead) {
            // The common COPY case: one contiguous buffer, header already in the headroom.
            result = q.head.setIndex(q.headroom - q.headerLength, q.headroom + q.length);
            q.head = null;
        } else {
            q.sortHeld();
            // at most: header (+ copied data), per held fragment a copied run and the fragment, a last copied run
            CompositeByteBuf c = alloc.compositeBuffer(2 * q.heldCount + 2);
            int cursor = 0;
            if (q.headerInHead) {
                int firstHeld = q.heldCount > 0 ? q.heldOffset[0] : q.length;
                // header and the copied data that follows it are contiguous in the copy buffer: one part
                c.addComponent(true, q.head.retainedSlice(q.headroom - q.headerLength, q.headerLength + firstHeld));
                cursor = firstHeld;
            } else {
                c.addComponent(true, q.headerBuf);
                q.headerBuf = null;
            }
            for (int i = 0; i < q.heldCount; i++) {
                int off = q.heldOffset[i];
                if (off > cursor) {
                    c.addComponent(true, q.head.retainedSlice(q.headroom + cursor, off - cursor));
                }
                ByteBuf h = q.held[i];
                q.held[i] = null;
                cursor = off + h.readableBytes();
                c.addComponent(true, h);
            }
            q.heldCount = 0;
            if (cursor < q.length) {
                c.addComponent(true, q.head.retainedSlice(q.headroom + cursor, q.length - cursor));
            }
            if (q.head != null) {
                q.head.release();
                q.head = null;
            }
            result = c;
        }
        q.released = true;
        return result;
    }
}
