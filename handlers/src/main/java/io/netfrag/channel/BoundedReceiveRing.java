package io.netfrag.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.channel.ChannelConfig;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A receive-buffer allocator drawing from a fixed number of buffers, like a NIC's receive ring. A buffer (a "slot")
 * returns to the ring when every reference to it is released — including slices that recvmmsg batching hands
 * downstream and fragments a reassembler holds. When every slot is pinned downstream the channel stops reading
 * (auto-read off) until one comes back; meanwhile the kernel queues datagrams in the socket buffer and then drops
 * them (its {@code RcvbufErrors}), which is what a starved NIC ring does on a real host.
 *
 * <p>This is what makes the Linux lesson behind netfrag reproducible in user space: with {@code CoalescePolicy.NONE},
 * fragments of datagrams that never complete pin slots until their queues time out, the ring runs dry and goodput
 * collapses; with {@code COPY} every slot comes back as soon as its fragments are copied.
 *
 * <p>One ring per channel. Slots are direct buffers allocated once and freed by {@link #close()}. If a read is already
 * under way when the last slot is taken, Netty asks for one more buffer before auto-read takes effect; that buffer is
 * a plain allocation counted in {@link #overflowAllocations()}.
 */
public final class BoundedReceiveRing extends DefaultMaxMessagesRecvByteBufAllocator {
    private final int slotCapacity;
    private final int slots;
    private final ArrayDeque<Slot> free;
    private final AtomicLong exhaustions = new AtomicLong();
    private final AtomicLong overflowAllocations = new AtomicLong();
    private volatile int minFree;
    private volatile ChannelConfig config;
    private volatile boolean pausedByRing;
    private boolean closed;

    /**
     * Creates a ring.
     *
     * @param slots number of receive buffers
     * @param slotCapacity bytes per buffer (with recvmmsg batching, a multiple of the datagram size)
     */
    public BoundedReceiveRing(int slots, int slotCapacity) {
        super(Math.max(1, slots));
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1: " + slots);
        }
        if (slotCapacity < 64) {
            throw new IllegalArgumentException("slotCapacity must be at least 64 bytes: " + slotCapacity);
        }
        this.slots = slots;
        this.slotCapacity = slotCapacity;
        this.free = new ArrayDeque<>(slots);
        for (int i = 0; i < slots; i++) {
            free.add(new Slot(this, slotCapacity));
        }
        this.minFree = slots;
    }

    /** Number of slots. */
    public int slots() {
        return slots;
    }

    /** Bytes per slot. */
    public int slotCapacity() {
        return slotCapacity;
    }

    /** Slots free now. */
    public synchronized int free() {
        return free.size();
    }

    /** Fewest free slots seen. */
    public int minFree() {
        return minFree;
    }

    /** Times the ring ran dry (reading paused until a slot came back). */
    public long exhaustions() {
        return exhaustions.get();
    }

    /** Times any of {@code rings} ran dry, added up. */
    static long exhaustions(java.util.List<BoundedReceiveRing> rings) {
        long n = 0;
        for (BoundedReceiveRing r : rings) {
            n += r.exhaustions();
        }
        return n;
    }

    /** Buffers handed out beyond the ring while a read was already under way when it ran dry. */
    public long overflowAllocations() {
        return overflowAllocations.get();
    }

    /** Whether reading is paused because every slot is pinned. */
    public boolean paused() {
        return pausedByRing;
    }

    private synchronized Slot take() {
        Slot s = free.poll();
        int n = free.size();
        if (n < minFree) {
            minFree = n;
        }
        return s;
    }

    void giveBack(Slot slot) {
        boolean resume;
        synchronized (this) {
            if (closed) {
                slot.free();
                return;
            }
            free.add(slot);
            resume = pausedByRing;
            pausedByRing = false;
        }
        ChannelConfig c = config;
        if (resume && c != null) {
            c.setAutoRead(true);
        }
    }

    /** Frees every slot that is back in the ring; slots still pinned are freed when they come back. */
    public void close() {
        synchronized (this) {
            closed = true;
            for (Slot s : free) {
                s.free();
            }
            free.clear();
        }
    }

    @Override
    public Handle newHandle() {
        return new RingHandle();
    }

    private final class RingHandle extends MaxMessageHandle {
        @Override
        public void reset(ChannelConfig channelConfig) {
            config = channelConfig;
            super.reset(channelConfig);
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            Slot s = take();
            if (s == null) {
                pause();
                overflowAllocations.incrementAndGet();
                return alloc.directBuffer(slotCapacity);
            }
            s.reuse();
            if (free() == 0) {
                pause();
            }
            return s;
        }

        @Override
        public int guess() {
            return slotCapacity;
        }

        @Override
        public boolean continueReading() {
            return free() > 0 && super.continueReading();
        }
    }

    private void pause() {
        ChannelConfig c = config;
        synchronized (this) {
            if (!free.isEmpty() || pausedByRing) {
                return;
            }
            pausedByRing = true;
            exhaustions.incrementAndGet();
        }
        if (c != null) {
            c.setAutoRead(false);
        }
    }

    /** A receive buffer that goes back to its ring instead of being freed. */
    static final class Slot extends UnpooledUnsafeDirectByteBuf {
        private final BoundedReceiveRing ring;
        private boolean returned = true;

        Slot(BoundedReceiveRing ring, int capacity) {
            super(UnpooledByteBufAllocator.DEFAULT, capacity, capacity);
            this.ring = ring;
        }

        void reuse() {
            resetRefCnt();
            clear();
            returned = false;
        }

        @Override
        protected void deallocate() {
            if (!returned) {
                returned = true;
                ring.giveBack(this);
            }
        }

        void free() {
            super.deallocate();
        }
    }
}
