package io.netfrag.testing;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Direct memory running out on demand: counts every buffer asked of it (heap, direct, composite) and throws
 * {@link OutOfMemoryError} — what Netty's {@code OutOfDirectMemoryError} is — for the {@code failAt}-th; the others
 * come from an unpooled allocator, leak-tracked like any.
 */
public final class FailingAllocator extends AbstractByteBufAllocator {
    private final ByteBufAllocator delegate = new UnpooledByteBufAllocator(true);
    private final int failAt;
    private int count;

    /** An allocator whose {@code failAt}-th allocation fails, 0 for none. */
    public FailingAllocator(int failAt) {
        super(true);
        this.failAt = failAt;
    }

    private void tick() {
        if (++count == failAt) {
            throw new OutOfMemoryError("test: allocation " + count + " fails");
        }
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        tick();
        return delegate.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        tick();
        return delegate.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
        tick();
        return super.compositeHeapBuffer(maxNumComponents);
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
        tick();
        return super.compositeDirectBuffer(maxNumComponents);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** Allocations asked for so far, the failed one included. */
    public int allocations() {
        return count;
    }
}
