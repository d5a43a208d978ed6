package io.netfrag.internal.reassembly;

import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * {@link CoalescePolicy#ADAPTIVE}'s rule for datagrams that stall: a datagram that has held fragment buffers for
 * longer than the adaptive hold time, or while more than the adaptive hold in fragments of other datagrams arrived, is
 * probably stalled (a fragment lost); its held fragments are copied into its own buffer and released, so a stalled
 * datagram never keeps receive buffers (the pathology of Linux before "inet: frags: re-introduce skb coalescing")
 * while datagrams in flight stay zero-copy. The count matters when traffic is fast: a bounded receive ring turns over
 * long before the hold time at Gbit/s rates.
 *
 * <p>Queues holding buffers are on their own list ({@link FragmentQueue#olderHolding}) in the order they started
 * holding, and only the oldest is examined, so this costs O(1) per insert plus the copies.
 *
 * @param <K> key type
 */
final class StallCoalescer<K> {
    private final ReassemblyLimits limits;
    private final MemoryAccount account;
    private final DatagramAssembler assembler;
    private FragmentQueue<K> oldestHolding;
    private FragmentQueue<K> newestHolding;
    /** Fragments offered to the table so far: the clock of the hold in fragments. */
    private long arrivals;

    StallCoalescer(ReassemblyLimits limits, MemoryAccount account, DatagramAssembler assembler) {
        this.limits = limits;
        this.account = account;
        this.assembler = assembler;
    }

    /** A fragment arrived for {@code q} (its queue, found or new). */
    void arrival(FragmentQueue<K> q) {
        if (q.holding) {
            q.arrivalsWhileHolding++;
        }
    }

    /** A fragment was offered to the table, whatever becomes of it. */
    void tick() {
        arrivals++;
    }

    /**
     * {@code q} holds its first fragment buffer: from now on it counts as holding.
     *
     * @param headerLength the headroom to reserve if it is ever coalesced before its first fragment arrives
     */
    void startHolding(FragmentQueue<K> q, int headerLength) {
        q.expectedHeaderLength = headerLength;
        q.holding = true;
        q.holdingSinceArrival = arrivals;
        q.arrivalsWhileHolding = 1; // the fragment being held now
        q.olderHolding = newestHolding;
        if (newestHolding != null) {
            newestHolding.newerHolding = q;
        } else {
            oldestHolding = q;
        }
        newestHolding = q;
    }

    /** {@code q} no longer holds buffers (coalesced, completed or gone). */
    void stopHolding(FragmentQueue<K> q) {
        if (!q.holding) {
            return;
        }
        q.holding = false;
        if (q.olderHolding != null) {
            q.olderHolding.newerHolding = q.newerHolding;
        } else {
            oldestHolding = q.newerHolding;
        }
        if (q.newerHolding != null) {
            q.newerHolding.olderHolding = q.olderHolding;
        } else {
            newestHolding = q.olderHolding;
        }
        q.olderHolding = null;
        q.newerHolding = null;
    }

    /**
     * Copies the held fragments of every stalled queue into its own buffer and releases them. The copies can take
     * the table above its high threshold; enforcing the limit is the caller's.
     *
     * @return queues coalesced
     */
    int coalesce(long nowNanos, ByteBufAllocator alloc) {
        int n = 0;
        long hold = limits.adaptiveHoldNanos();
        long holdFragments = limits.adaptiveHoldFragments();
        while (oldestHolding != null && (nowNanos - oldestHolding.createdNanos >= hold
                || arrivals - oldestHolding.holdingSinceArrival - (oldestHolding.arrivalsWhileHolding - 1)
                        >= holdFragments)) {
            FragmentQueue<K> q = oldestHolding;
            stopHolding(q);
            try {
                assembler.ensureHead(q, q.tailEnd, q.head != null ? q.headroom : Math.max(q.expectedHeaderLength, 0),
                        alloc);
            } catch (OutOfMemoryError e) {
                // no copy buffer now: the queue keeps holding its fragments as received (what NONE does), which loses
                // nothing; the table's limits still apply to what they pin
                continue;
            }
            for (int i = 0; i < q.heldCount; i++) {
                ByteBuf h = q.held[i];
                q.held[i] = null;
                q.head.setBytes(q.headroom + q.heldOffset[i], h, h.readerIndex(), h.readableBytes());
                account.charge(q, -Pinning.pinnedBytes(h));
                h.release();
            }
            q.heldCount = 0;
            n++;
        }
        return n;
    }

    /** When {@link #coalesce} has work next, or {@link Long#MAX_VALUE}. */
    long nextNanos() {
        return oldestHolding == null ? Long.MAX_VALUE : oldestHolding.createdNanos + limits.adaptiveHoldNanos();
    }
}
