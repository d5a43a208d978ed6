package io.netfrag.buffer;

import static io.netty.util.internal.ObjectUtil.checkNotNull;
import static io.netty.util.internal.ObjectUtil.checkPositiveOrZero;

import io.netty.buffer.AbstractReferenceCountedByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.Recycler;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A {@link ByteBuf} made of an ordered chain of part buffers: the readable bytes of each part, as they were when it was
 * {@linkplain #add(ByteBuf) added}, form one piece of the content, and the pieces follow each other in the order of
 * the adds (Linux's {@code frag_list}). The reassemblers deliver a datagram as such a chain when they keep fragment
 * buffers instead of copying them.
 *
 * <p><b>Why hand-written.</b> Netty's {@code CompositeByteBuf} allocates one {@code Component} object per component
 * (about 57 bytes), so a datagram built from n fragments costs n allocations on the reassembly hot path; its
 * {@code FixedCompositeByteBuf}, which has no such objects, is package-private and read-only, while the ESP decoder
 * decrypts a delivered datagram in place. This buffer keeps its parts in parallel arrays ({@code parts}, cumulative
 * {@code ends}, index adjustments) grown by doubling, and recycles itself together with those arrays through Netty's
 * {@link Recycler}: in a steady state, building and releasing a datagram allocates nothing per fragment.
 *
 * <p><b>Shape.</b> The capacity is the sum of the parts' lengths and is fixed: {@link #maxCapacity()} equals it and
 * {@link #capacity(int)} refuses any other value, so a write beyond it fails as on any full buffer. After each add the
 * writer index is the capacity. The buffer is writable in place: {@code set*} writes go to the parts' memory, which
 * is what a part's owner would see too. Big-endian. {@link #nioBuffers(int, int)} exposes the parts' memory without a
 * copy; {@link #nioBuffer(int, int)} does so only within one part and otherwise returns a merged copy, as
 * {@code CompositeByteBuf} does. {@link #hasArray()} and {@link #hasMemoryAddress()} hold only for a chain of exactly
 * one part that has them.
 *
 * <p><b>Lookup.</b> An access finds its part from the part of the previous access (sequential access is the common
 * case: header parsing, checksums, copies), its successor, or else by binary search over the cumulative ends. Values
 * that straddle two parts are read and written byte by byte.
 *
 * <p><b>Ownership and lifetime.</b> {@link #add(ByteBuf)} takes ownership of the part. When the reference count drops
 * to zero every part is released once, the arrays drop their references and the object goes back to the recycler
 * (pooled only on Netty {@code FastThreadLocalThread}s, as Netty's own pooled buffers). As with Netty's pooled
 * buffers, a reference kept after the final release (this buffer, or a slice or duplicate of it) may later see
 * another datagram: never use a released buffer.
 *
 * <p><b>Leak detection.</b> Every instance is tracked by a {@link ResourceLeakDetector} of its own (sampled as
 * configured by {@code -Dio.netty.leakDetection.level}); the tracker is closed in the final release, before the
 * object is recycled, so only a chain that is garbage-collected unreleased is reported, as "LEAK:
 * FragmentChainByteBuf.release() was not called". Reports are emitted when a later chain is created, as for any
 * Netty leak detector. At the {@code advanced} and {@code paranoid} levels, retains, releases and touches are recorded.
 *
 * <p>Not thread-safe, like any {@code ByteBuf}; concurrent reads are safe (the remembered part is only a hint).
 */
public final class FragmentChainByteBuf extends AbstractReferenceCountedByteBuf {

    /** Smallest array length allocated for parts. */
    private static final int MIN_PARTS = 8;
    /**
     * Arrays longer than this are dropped rather than kept with a recycled instance, so a rare datagram of thousands of
     * tiny fragments does not leave large arrays in the pool. 1024 parts cover any coalesce policy's usual datagrams.
     */
    static final int MAX_RETAINED_PARTS = 1024;
    private static final ByteBuf[] NO_PARTS = new ByteBuf[0];
    private static final int[] NO_INTS = new int[0];
    private static final byte[] EMPTY_BYTES = new byte[0];

    private static final Recycler<FragmentChainByteBuf> RECYCLER = new Recycler<FragmentChainByteBuf>() {
        @Override
        protected FragmentChainByteBuf newObject(Handle<FragmentChainByteBuf> handle) {
            return new FragmentChainByteBuf(handle);
        }
    };

    private static final ResourceLeakDetector<FragmentChainByteBuf> LEAK_DETECTOR =
            ResourceLeakDetectorFactory.instance().newResourceLeakDetector(FragmentChainByteBuf.class);

    private final Recycler.Handle<FragmentChainByteBuf> handle;
    private ByteBufAllocator alloc;
    private ResourceLeakTracker<FragmentChainByteBuf> leak;
    /** The parts, {@code count} of them; unused slots are null. */
    private ByteBuf[] parts = NO_PARTS;
    /** {@code ends[i]}: index just after part i in this buffer; strictly increasing (parts are never empty). */
    private int[] ends = NO_INTS;
    /** Index in part i = index in this buffer + {@code adjust[i]}. */
    private int[] adjust = NO_INTS;
    private int count;
    private int capacity;
    /** The part of the last lookup: a hint, always below {@code count} when {@code count > 0}. */
    private int last;
    /** Sum of the parts' {@code nioBufferCount()}, or -1 once a part has none. */
    private int nioCount;
    /** Every part has exactly one NIO buffer. */
    private boolean singleNio;
    /** Every part is direct. */
    private boolean direct;

    private FragmentChainByteBuf(Recycler.Handle<FragmentChainByteBuf> handle) {
        super(0);
        this.handle = handle;
    }

    /**
     * Returns an empty chain (capacity 0, reference count 1), recycled when possible. Add its parts with
     * {@link #add(ByteBuf)}.
     *
     * @param alloc the allocator reported by {@link #alloc()} and used by {@link #copy(int, int)}
     * @param expectedParts how many parts will be added (the arrays grow beyond it if needed)
     * @return a new chain; ownership is transferred to the caller, who must release it
     */
    public static FragmentChainByteBuf newInstance(ByteBufAllocator alloc, int expectedParts) {
        checkNotNull(alloc, "alloc");
        checkPositiveOrZero(expectedParts, "expectedParts");
        FragmentChainByteBuf buf = RECYCLER.get();
        buf.reuse(alloc, expectedParts);
        buf.leak = LEAK_DETECTOR.track(buf);
        return buf;
    }

    private void reuse(ByteBufAllocator alloc, int expectedParts) {
        this.alloc = alloc;
        if (parts.length < expectedParts) {
            int n = Math.max(MIN_PARTS, expectedParts);
            parts = new ByteBuf[n];
            ends = new int[n];
            adjust = new int[n];
        }
        count = 0;
        capacity = 0;
        last = 0;
        nioCount = 0;
        singleNio = true;
        direct = true;
        resetRefCnt();
        maxCapacity(0);
        setIndex(0, 0);
        markReaderIndex();
        markWriterIndex();
    }

    /**
     * Appends the readable bytes of {@code part} to the content: capacity and writer index grow by
     * {@code part.readableBytes()}, the reader index is unchanged. The part's indices must not change afterwards.
     * A part with no readable bytes is released at once.
     *
     * @param part ownership is transferred (also when this method throws)
     * @return this buffer
     * @throws IllegalReferenceCountException if this buffer was released
     * @throws IllegalArgumentException if the capacity would exceed {@link Integer#MAX_VALUE}
     */
    public FragmentChainByteBuf add(ByteBuf part) {
        checkNotNull(part, "part");
        if (refCnt() == 0) {
            part.release();
            throw new IllegalReferenceCountException(0);
        }
        int length = part.readableBytes();
        if (length == 0) {
            part.release();
            return this;
        }
        if (length > Integer.MAX_VALUE - capacity) {
            part.release();
            throw new IllegalArgumentException("capacity " + capacity + " + part " + length + " exceeds 2^31-1");
        }
        if (count == parts.length) {
            int n = Math.max(MIN_PARTS, parts.length << 1);
            parts = Arrays.copyOf(parts, n);
            ends = Arrays.copyOf(ends, n);
            adjust = Arrays.copyOf(adjust, n);
        }
        int partNio = part.nioBufferCount();
        parts[count] = part;
        adjust[count] = part.readerIndex() - capacity;
        capacity += length;
        ends[count] = capacity;
        count++;
        nioCount = nioCount < 0 || partNio < 0 ? -1 : nioCount + partNio;
        singleNio &= partNio == 1;
        direct &= part.isDirect();
        maxCapacity(capacity);
        writerIndex(capacity);
        return this;
    }

    /**
     * Number of parts.
     *
     * @return 0 after the final release
     */
    public int partCount() {
        return count;
    }

    /** Length of the part arrays, kept across recycling (for tests). */
    int partSlots() {
        return parts.length;
    }

    // ---- reference counting and leak tracking -------------------------------------------------------------------

    @Override
    protected void deallocate() {
        ByteBuf[] p = parts;
        int n = count;
        count = 0;
        capacity = 0;
        last = 0;
        nioCount = 0;
        RuntimeException failure = null;
        for (int i = 0; i < n; i++) {
            ByteBuf part = p[i];
            p[i] = null;
            try {
                part.release();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (p.length > MAX_RETAINED_PARTS) {
            parts = NO_PARTS;
            ends = NO_INTS;
            adjust = NO_INTS;
        }
        ResourceLeakTracker<FragmentChainByteBuf> tracker = leak;
        leak = null;
        if (tracker != null) {
            tracker.close(this); // before recycling: the detector never sees a recycled object as alive
        }
        handle.recycle(this);
        if (failure != null) {
            throw failure;
        }
    }

    private void record() {
        ResourceLeakTracker<FragmentChainByteBuf> tracker = leak;
        if (tracker != null && LEAK_DETECTOR.isRecordEnabled()) {
            tracker.record();
        }
    }

    /** {@inheritDoc} Recorded for leak reports at the advanced and paranoid levels. */
    @Override
    public ByteBuf retain() {
        record();
        return super.retain();
    }

    /** {@inheritDoc} Recorded for leak reports at the advanced and paranoid levels. */
    @Override
    public ByteBuf retain(int increment) {
        record();
        return super.retain(increment);
    }

    /**
     * {@inheritDoc} The final release releases every part once and recycles this object. Recorded for leak reports
     * at the advanced and paranoid levels.
     */
    @Override
    public boolean release() {
        record();
        return super.release();
    }

    /**
     * {@inheritDoc} The final release releases every part once and recycles this object. Recorded for leak reports
     * at the advanced and paranoid levels.
     */
    @Override
    public boolean release(int decrement) {
        record();
        return super.release(decrement);
    }

    /** {@inheritDoc} Recorded for leak reports when this instance is tracked. */
    @Override
    public ByteBuf touch() {
        ResourceLeakTracker<FragmentChainByteBuf> tracker = leak;
        if (tracker != null) {
            tracker.record();
        }
        return this;
    }

    /** {@inheritDoc} Recorded for leak reports when this instance is tracked. */
    @Override
    public ByteBuf touch(Object hint) {
        ResourceLeakTracker<FragmentChainByteBuf> tracker = leak;
        if (tracker != null) {
            tracker.record(hint);
        }
        return this;
    }

    // ---- shape ----------------------------------------------------------------------------------------------------

    /** {@inheritDoc} The sum of the parts' lengths. */
    @Override
    public int capacity() {
        return capacity;
    }

    /**
     * The capacity is fixed: returns this buffer when {@code newCapacity} equals it.
     *
     * @throws UnsupportedOperationException for any other value
     */
    @Override
    public ByteBuf capacity(int newCapacity) {
        ensureAccessible();
        if (newCapacity != capacity) {
            throw new UnsupportedOperationException(
                    "FragmentChainByteBuf has a fixed capacity of " + capacity + ": " + newCapacity);
        }
        return this;
    }

    /** {@inheritDoc} The allocator given to {@link #newInstance(ByteBufAllocator, int)}. */
    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    /** {@inheritDoc} Always big-endian. */
    @Override
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    /** {@inheritDoc} Always null: the parts are not one underlying buffer. */
    @Override
    public ByteBuf unwrap() {
        return null;
    }

    /** {@inheritDoc} True when there are parts and all of them are direct. */
    @Override
    public boolean isDirect() {
        return count > 0 && direct;
    }

    /** {@inheritDoc} True only for a chain of one contiguous part. */
    @Override
    public boolean isContiguous() {
        return count == 1 && parts[0].isContiguous();
    }

    /** {@inheritDoc} True only for a chain of one part that has an array. */
    @Override
    public boolean hasArray() {
        return count == 1 && parts[0].hasArray();
    }

    /**
     * {@inheritDoc} The array of the only part (shared, not a copy).
     *
     * @throws UnsupportedOperationException unless {@link #hasArray()}
     */
    @Override
    public byte[] array() {
        ensureAccessible();
        if (count != 1) {
            throw new UnsupportedOperationException("FragmentChainByteBuf of " + count + " parts has no array");
        }
        return parts[0].array();
    }

    /**
     * {@inheritDoc}
     *
     * @throws UnsupportedOperationException unless {@link #hasArray()}
     */
    @Override
    public int arrayOffset() {
        ensureAccessible();
        if (count != 1) {
            throw new UnsupportedOperationException("FragmentChainByteBuf of " + count + " parts has no array");
        }
        return parts[0].arrayOffset() + adjust[0];
    }

    /** {@inheritDoc} True only for a chain of one part that has a memory address. */
    @Override
    public boolean hasMemoryAddress() {
        return count == 1 && parts[0].hasMemoryAddress();
    }

    /**
     * {@inheritDoc}
     *
     * @throws UnsupportedOperationException unless {@link #hasMemoryAddress()}
     */
    @Override
    public long memoryAddress() {
        ensureAccessible();
        if (count != 1) {
            throw new UnsupportedOperationException("FragmentChainByteBuf of " + count + " parts has no address");
        }
        return parts[0].memoryAddress() + adjust[0];
    }

    /**
     * Describes indices, capacity and number of parts.
     *
     * @return e.g. {@code FragmentChainByteBuf(ridx: 0, widx: 65576, cap: 65576, parts: 19)}
     */
    @Override
    public String toString() {
        if (refCnt() == 0) {
            return "FragmentChainByteBuf(freed)";
        }
        return "FragmentChainByteBuf(ridx: " + readerIndex() + ", widx: " + writerIndex() + ", cap: " + capacity
                + ", parts: " + count + ')';
    }

    // ---- part lookup ----------------------------------------------------------------------------------------------

    /** The part holding {@code index}, which must be in [0, capacity). */
    private int partOf(int index) {
        int[] e = ends;
        int i = last;
        if (index < e[i]) {
            if (i == 0 || index >= e[i - 1]) {
                return i;
            }
        } else if (i + 1 < count && index < e[i + 1]) {
            last = i + 1;
            return i + 1;
        }
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (e[mid] <= index) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        last = lo;
        return lo;
    }

    // ---- primitive access -----------------------------------------------------------------------------------------

    @Override
    protected byte _getByte(int index) {
        int i = partOf(index);
        return parts[i].getByte(index + adjust[i]);
    }

    @Override
    protected short _getShort(int index) {
        int i = partOf(index);
        if (index + 2 <= ends[i]) {
            return parts[i].getShort(index + adjust[i]);
        }
        return (short) spanBE(index, 2);
    }

    @Override
    protected short _getShortLE(int index) {
        int i = partOf(index);
        if (index + 2 <= ends[i]) {
            return parts[i].getShortLE(index + adjust[i]);
        }
        return (short) spanLE(index, 2);
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        int i = partOf(index);
        if (index + 3 <= ends[i]) {
            return parts[i].getUnsignedMedium(index + adjust[i]);
        }
        return (int) spanBE(index, 3);
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        int i = partOf(index);
        if (index + 3 <= ends[i]) {
            return parts[i].getUnsignedMediumLE(index + adjust[i]);
        }
        return (int) spanLE(index, 3);
    }

    @Override
    protected int _getInt(int index) {
        int i = partOf(index);
        if (index + 4 <= ends[i]) {
            return parts[i].getInt(index + adjust[i]);
        }
        return (int) spanBE(index, 4);
    }

    @Override
    protected int _getIntLE(int index) {
        int i = partOf(index);
        if (index + 4 <= ends[i]) {
            return parts[i].getIntLE(index + adjust[i]);
        }
        return (int) spanLE(index, 4);
    }

    @Override
    protected long _getLong(int index) {
        int i = partOf(index);
        if (index + 8 <= ends[i]) {
            return parts[i].getLong(index + adjust[i]);
        }
        return spanBE(index, 8);
    }

    @Override
    protected long _getLongLE(int index) {
        int i = partOf(index);
        if (index + 8 <= ends[i]) {
            return parts[i].getLongLE(index + adjust[i]);
        }
        return spanLE(index, 8);
    }

    /** A big-endian value of {@code width} bytes read byte by byte (it straddles parts). */
    private long spanBE(int index, int width) {
        long v = 0;
        for (int k = 0; k < width; k++) {
            v = v << 8 | _getByte(index + k) & 0xffL;
        }
        return v;
    }

    /** A little-endian value of {@code width} bytes read byte by byte (it straddles parts). */
    private long spanLE(int index, int width) {
        long v = 0;
        for (int k = width - 1; k >= 0; k--) {
            v = v << 8 | _getByte(index + k) & 0xffL;
        }
        return v;
    }

    @Override
    protected void _setByte(int index, int value) {
        int i = partOf(index);
        parts[i].setByte(index + adjust[i], value);
    }

    @Override
    protected void _setShort(int index, int value) {
        int i = partOf(index);
        if (index + 2 <= ends[i]) {
            parts[i].setShort(index + adjust[i], value);
        } else {
            setSpanBE(index, 2, value);
        }
    }

    @Override
    protected void _setShortLE(int index, int value) {
        int i = partOf(index);
        if (index + 2 <= ends[i]) {
            parts[i].setShortLE(index + adjust[i], value);
        } else {
            setSpanLE(index, 2, value);
        }
    }

    @Override
    protected void _setMedium(int index, int value) {
        int i = partOf(index);
        if (index + 3 <= ends[i]) {
            parts[i].setMedium(index + adjust[i], value);
        } else {
            setSpanBE(index, 3, value);
        }
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        int i = partOf(index);
        if (index + 3 <= ends[i]) {
            parts[i].setMediumLE(index + adjust[i], value);
        } else {
            setSpanLE(index, 3, value);
        }
    }

    @Override
    protected void _setInt(int index, int value) {
        int i = partOf(index);
        if (index + 4 <= ends[i]) {
            parts[i].setInt(index + adjust[i], value);
        } else {
            setSpanBE(index, 4, value);
        }
    }

    @Override
    protected void _setIntLE(int index, int value) {
        int i = partOf(index);
        if (index + 4 <= ends[i]) {
            parts[i].setIntLE(index + adjust[i], value);
        } else {
            setSpanLE(index, 4, value);
        }
    }

    @Override
    protected void _setLong(int index, long value) {
        int i = partOf(index);
        if (index + 8 <= ends[i]) {
            parts[i].setLong(index + adjust[i], value);
        } else {
            setSpanBE(index, 8, value);
        }
    }

    @Override
    protected void _setLongLE(int index, long value) {
        int i = partOf(index);
        if (index + 8 <= ends[i]) {
            parts[i].setLongLE(index + adjust[i], value);
        } else {
            setSpanLE(index, 8, value);
        }
    }

    /** Writes the low {@code width} bytes of {@code value} big-endian, byte by byte (they straddle parts). */
    private void setSpanBE(int index, int width, long value) {
        long v = value;
        for (int k = width - 1; k >= 0; k--) {
            _setByte(index + k, (int) v);
            v >>>= 8;
        }
    }

    /** Writes the low {@code width} bytes of {@code value} little-endian, byte by byte (they straddle parts). */
    private void setSpanLE(int index, int width, long value) {
        long v = value;
        for (int k = 0; k < width; k++) {
            _setByte(index + k, (int) v);
            v >>>= 8;
        }
    }

    // ---- bulk reads -----------------------------------------------------------------------------------------------
    // Each bulk method below walks the parts the same way (find the first part, copy min(left, part end) bytes, move
    // on). The walk is written out per destination type on purpose: a shared walker taking a callback would need a
    // capturing lambda, i.e. an allocation per call, on the copy and decrypt paths this class exists to keep
    // allocation-free.

    /** {@inheritDoc} {@code dst} is borrowed for the call. */
    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        if (length == 0) {
            return this;
        }
        int i = partOf(index);
        int at = index;
        int to = dstIndex;
        int left = length;
        for (;;) {
            int n = Math.min(left, ends[i] - at);
            parts[i].getBytes(at + adjust[i], dst, to, n);
            left -= n;
            if (left == 0) {
                return this;
            }
            at += n;
            to += n;
            i++;
        }
    }

    /** {@inheritDoc} {@code dst} is borrowed for the call. */
    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.length);
        if (length == 0) {
            return this;
        }
        int i = partOf(index);
        int at = index;
        int to = dstIndex;
        int left = length;
        for (;;) {
            int n = Math.min(left, ends[i] - at);
            parts[i].getBytes(at + adjust[i], dst, to, n);
            left -= n;
            if (left == 0) {
                return this;
            }
            at += n;
            to += n;
            i++;
        }
    }

    /** {@inheritDoc} {@code dst} is borrowed for the call; its position advances, its limit is unchanged. */
    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        int length = dst.remaining();
        checkIndex(index, length);
        if (length == 0) {
            return this;
        }
        int limit = dst.limit();
        int i = partOf(index);
        int at = index;
        int left = length;
        try {
            while (left > 0) {
                int n = Math.min(left, ends[i] - at);
                dst.limit(dst.position() + n);
                parts[i].getBytes(at + adjust[i], dst);
                left -= n;
                at += n;
                i++;
            }
        } finally {
            dst.limit(limit);
        }
        return this;
    }

    /** {@inheritDoc} {@code out} is borrowed for the call and not closed. */
    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return this;
        }
        int i = partOf(index);
        int at = index;
        int left = length;
        while (left > 0) {
            int n = Math.min(left, ends[i] - at);
            parts[i].getBytes(at + adjust[i], out, n);
            left -= n;
            at += n;
            i++;
        }
        return this;
    }

    /**
     * {@inheritDoc} One gathering write over the parts' NIO buffers (the part's own write within one part).
     * {@code out} is borrowed for the call and not closed.
     */
    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return 0;
        }
        int i = partOf(index);
        if (index + length <= ends[i]) {
            return parts[i].getBytes(index + adjust[i], out, length);
        }
        if (nioCount >= 0) {
            return (int) Math.min(Integer.MAX_VALUE, out.write(nioBuffers(index, length)));
        }
        int at = index;
        int left = length;
        int written = 0;
        while (left > 0) {
            int n = Math.min(left, ends[i] - at);
            int w = parts[i].getBytes(at + adjust[i], out, n);
            written += w;
            if (w < n) {
                break;
            }
            left -= n;
            at += n;
            i++;
        }
        return written;
    }

    /**
     * {@inheritDoc} Part by part, stopping at the first short write. {@code out} is borrowed for the call and not
     * closed; its position is unchanged.
     */
    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return 0;
        }
        int i = partOf(index);
        int at = index;
        int left = length;
        int written = 0;
        while (left > 0) {
            int n = Math.min(left, ends[i] - at);
            int w = parts[i].getBytes(at + adjust[i], out, position + written, n);
            written += w;
            if (w < n) {
                break;
            }
            left -= n;
            at += n;
            i++;
        }
        return written;
    }

    /**
     * {@inheritDoc} The copy is one new buffer from {@link #alloc()} (direct when this buffer is); ownership of the
     * copy is transferred to the caller.
     */
    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        ByteBuf copy = isDirect() ? alloc.directBuffer(length) : alloc.heapBuffer(length);
        boolean done = false;
        try {
            if (length > 0) {
                getBytes(index, copy, 0, length);
            }
            copy.writerIndex(length);
            done = true;
            return copy;
        } finally {
            if (!done) {
                copy.release();
            }
        }
    }

    // ---- bulk writes ----------------------------------------------------------------------------------------------

    /** {@inheritDoc} Written into the parts' memory. {@code src} is borrowed for the call. */
    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.capacity());
        if (length == 0) {
            return this;
        }
        int i = partOf(index);
        int at = index;
        int from = srcIndex;
        int left = length;
        for (;;) {
            int n = Math.min(left, ends[i] - at);
            parts[i].setBytes(at + adjust[i], src, from, n);
            left -= n;
            if (left == 0) {
                return this;
            }
            at += n;
            from += n;
            i++;
        }
    }

    /** {@inheritDoc} Written into the parts' memory. {@code src} is borrowed for the call. */
    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.length);
        if (length == 0) {
            return this;
        }
        int i = partOf(index);
        int at = index;
        int from = srcIndex;
        int left = length;
        for (;;) {
            int n = Math.min(left, ends[i] - at);
            parts[i].setBytes(at + adjust[i], src, from, n);
            left -= n;
            if (left == 0) {
                return this;
            }
            at += n;
            from += n;
            i++;
        }
    }

    /**
     * {@inheritDoc} Written into the parts' memory. {@code src} is borrowed for the call; its position advances, its
     * limit is unchanged.
     */
    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        int length = src.remaining();
        checkIndex(index, length);
        if (length == 0) {
            return this;
        }
        int limit = src.limit();
        int i = partOf(index);
        int at = index;
        int left = length;
        try {
            while (left > 0) {
                int n = Math.min(left, ends[i] - at);
                src.limit(src.position() + n);
                parts[i].setBytes(at + adjust[i], src);
                left -= n;
                at += n;
                i++;
            }
        } finally {
            src.limit(limit);
        }
        return this;
    }

    /**
     * {@inheritDoc} Part by part, stopping at the first short read. {@code in} is borrowed for the call and not
     * closed.
     *
     * @return bytes read, or -1 if the stream was at its end before any byte was read
     */
    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return in.read(EMPTY_BYTES); // -1 at the end of the stream, as a single buffer reports it
        }
        int i = partOf(index);
        int at = index;
        int left = length;
        int read = 0;
        for (;;) {
            int n = Math.min(left, ends[i] - at);
            int r = parts[i].setBytes(at + adjust[i], in, n);
            if (r < 0) {
                return read == 0 ? -1 : read;
            }
            read += r;
            left -= n;
            if (r < n || left == 0) {
                return read;
            }
            at += n;
            i++;
        }
    }

    /**
     * {@inheritDoc} Part by part, stopping at the first short read. {@code in} is borrowed for the call and not
     * closed.
     *
     * @return bytes read, or -1 if the channel was at its end before any byte was read
     */
    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return in.read(ByteBuffer.allocate(0)); // -1 at the end of the channel, as a single buffer reports it
        }
        int i = partOf(index);
        int at = index;
        int left = length;
        int read = 0;
        for (;;) {
            int n = Math.min(left, ends[i] - at);
            int r = parts[i].setBytes(at + adjust[i], in, n);
            if (r < 0) {
                return read == 0 ? -1 : read;
            }
            read += r;
            left -= n;
            if (r < n || left == 0) {
                return read;
            }
            at += n;
            i++;
        }
    }

    /**
     * {@inheritDoc} Part by part, stopping at the first short read. {@code in} is borrowed for the call and not
     * closed; its position is unchanged.
     *
     * @return bytes read, or -1 if {@code position} was at the end of the file before any byte was read
     */
    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return in.read(ByteBuffer.allocate(0), position); // as a single buffer reports it
        }
        int i = partOf(index);
        int at = index;
        int left = length;
        int read = 0;
        for (;;) {
            int n = Math.min(left, ends[i] - at);
            int r = parts[i].setBytes(at + adjust[i], in, position + read, n);
            if (r < 0) {
                return read == 0 ? -1 : read;
            }
            read += r;
            left -= n;
            if (r < n || left == 0) {
                return read;
            }
            at += n;
            i++;
        }
    }

    // ---- NIO ------------------------------------------------------------------------------------------------------

    /** {@inheritDoc} The sum of the parts' counts (1 when there are no parts), or -1 if a part has none. */
    @Override
    public int nioBufferCount() {
        return count == 0 ? 1 : nioCount;
    }

    /**
     * {@inheritDoc} Within one part, the part's own buffer, which shares its memory; across parts a merged copy (heap),
     * as {@code CompositeByteBuf} does.
     */
    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        if (length == 0) {
            return ByteBuffer.allocate(0);
        }
        int i = partOf(index);
        if (index + length <= ends[i]) {
            return parts[i].nioBuffer(index + adjust[i], length);
        }
        ByteBuffer merged = ByteBuffer.allocate(length);
        getBytes(index, merged);
        merged.flip();
        return merged;
    }

    /**
     * {@inheritDoc} The parts' own buffers, in order, sharing their memory (no copy).
     *
     * @throws UnsupportedOperationException if a part in the range has no NIO buffers
     */
    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        checkIndex(index, length);
        if (length == 0) {
            return new ByteBuffer[] {ByteBuffer.allocate(0)};
        }
        int first = partOf(index);
        int lastPart = partOf(index + length - 1);
        if (singleNio) {
            ByteBuffer[] out = new ByteBuffer[lastPart - first + 1];
            int at = index;
            int left = length;
            for (int i = first; i <= lastPart; i++) {
                int n = Math.min(left, ends[i] - at);
                out[i - first] = parts[i].nioBuffer(at + adjust[i], n);
                left -= n;
                at += n;
            }
            return out;
        }
        List<ByteBuffer> out = new ArrayList<>(lastPart - first + 4);
        int at = index;
        int left = length;
        for (int i = first; i <= lastPart; i++) {
            int n = Math.min(left, ends[i] - at);
            ByteBuf part = parts[i];
            if (part.nioBufferCount() == 1) {
                out.add(part.nioBuffer(at + adjust[i], n));
            } else {
                Collections.addAll(out, part.nioBuffers(at + adjust[i], n));
            }
            left -= n;
            at += n;
        }
        return out.toArray(new ByteBuffer[0]);
    }

    /**
     * {@inheritDoc} Only for a chain of at most one part (the part's internal buffer), as {@code CompositeByteBuf}.
     *
     * @throws UnsupportedOperationException for a chain of more than one part
     */
    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        checkIndex(index, length);
        switch (count) {
            case 0:
                return ByteBuffer.allocate(0);
            case 1:
                return parts[0].internalNioBuffer(index + adjust[0], length);
            default:
                throw new UnsupportedOperationException("FragmentChainByteBuf of " + count + " parts");
        }
    }
}
