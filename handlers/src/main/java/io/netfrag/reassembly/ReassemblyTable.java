package io.netfrag.reassembly;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.buffer.FragmentChainByteBuf;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.collection.IntObjectHashMap;

/**
 * The protocol-free reassembly core, shared by the IPv6 and IPv4 reassemblers the way Linux's {@code inet_frag}
 * serves {@code ipv6/reassembly.c} and {@code ipv4/ip_fragment.c}. It knows fragments only as (offset, length, last)
 * over a payload of at most {@code maxPayloadBytes}; the protocol validates headers, builds keys and turns a completed
 * payload back into a packet.
 *
 * <p><b>Queues</b> live in a hash map for lookup, found by a keyed hash under a secret of the table ({@link KeyHasher},
 * so a sender cannot make its keys collide), and on one intrusive list in creation order. Creation order is expiry
 * order (the timeout is fixed from creation and never extended), so one timer driven by {@link #nextDeadlineNanos()}
 * and {@link #expire(long)} serves them all, and eviction takes the oldest first; neither allocates.
 *
 * <p><b>Memory</b> is accounted in pinned bytes ({@link Pinning}): held fragment buffers, the queue's own copy buffer
 * and header, and a per-queue bookkeeping charge. When an insert leaves the table above the high threshold, the oldest
 * other queues are evicted until it is at or below the low threshold; if the queue being filled alone is still above
 * the high threshold, it is discarded too. A fragment that needs a new queue while the table is above the high
 * threshold is dropped, and so is one smaller than {@link ReassemblyLimits#minFragmentUnderPressure()} while it is above
 * the low threshold. The account returns to zero when every queue is gone.
 *
 * <p><b>Rules</b> applied here are the protocol-independent ones of Linux {@code ip6_frag_queue}/{@code ip_frag_queue}
 * and {@code inet_frag_queue_insert}: a last fragment must not end before data already seen nor disagree with an
 * earlier last fragment; no data beyond a known end; no zero-length fragment (each discards the datagram); a fragment
 * entirely within one run of received data (Linux's runs: fragments appended in order at the tail) is a duplicate
 * (dropped, queue kept); any other overlap discards the datagram (RFC 5722), including a fragment that spans two runs
 * even when every byte of it was received, exactly as Linux decides.
 *
 * <p>The protocol plugs in through a {@link ReassemblyProtocol}: its queue type carries its own state, and its hooks
 * run when a fragment has found its queue and when a queue expires. A fragment comes in as one reusable
 * {@link Fragment}.
 *
 * <p>Single-threaded: use from one event loop.
 *
 * @param <K> key type
 */
public final class ReassemblyTable<K extends FragmentKey<K>> {

    private static final int BLOCK_SHIFT = 3; // 8-byte fragment blocks (RFC 791, RFC 8200)

    /**
     * Queues by their keyed hash folded to 32 bits ({@link FragmentQueue#hash}); the rare queues whose folded hashes
     * are equal hang off the first one on {@link FragmentQueue#sameHash}. An open-addressing map of ints: a lookup
     * that misses (every new datagram, every attack identification) probes an int array and touches no queue.
     */
    private final IntObjectHashMap<FragmentQueue<K>> queues = new IntObjectHashMap<>();
    private final KeyHasher hasher = new KeyHasher();
    private int queueCount;
    /** The hash of the key the last {@link #find} looked up in the map (valid when it returned {@code null}). */
    private int lookupHash;
    /** Oldest and newest queue: creation order is expiry order. */
    private FragmentQueue<K> oldest;
    private FragmentQueue<K> newest;
    private final CoalescePolicy policy;
    private final ReassemblyLimits limits;
    private final int maxPayloadBytes;
    private final Counters counters;
    private final ReassemblyProtocol<K> protocol;

    private long pinnedBytes;
    /** Fragments offered to {@link #insert}, for {@link CoalescePolicy#ADAPTIVE}'s hold in fragments. */
    private long arrivals;
    private long peakPinnedBytes;
    private int sizeHint;
    private ByteBuf completed;
    private FragmentQueue<K> completedQueue;
    /**
     * Two recently used queues, tried before the map; {@code hotIsRecent} tells which was used last, and a queue found
     * in the map replaces the other one. Reference fields of this long-lived table are written only on such a miss:
     * each write of a young queue into an old object costs a GC write barrier with a memory fence, per fragment if done
     * on every insert. {@code lastSlot}: which of the two the last insert queued its fragment in (0: none).
     */
    private FragmentQueue<K> hot;
    private FragmentQueue<K> warm;
    private boolean hotIsRecent;
    private int lastSlot;
    private FragmentQueue<K> oldestHolding;
    private FragmentQueue<K> newestHolding;
    private long[] spareCoverage;
    private long[] spareRunStarts;

    /**
     * Creates a table.
     *
     * @param policy how fragment data is coalesced
     * @param limits memory thresholds, timeout and component budget
     * @param maxPayloadBytes largest payload (fragmentable part) a datagram may have
     * @param counters where reassembly failures and drops are counted
     * @param protocol the protocol's queue type and hooks
     */
    public ReassemblyTable(CoalescePolicy policy, ReassemblyLimits limits, int maxPayloadBytes, Counters counters,
            ReassemblyProtocol<K> protocol) {
        this.policy = checkNotNull(policy, "policy");
        this.limits = checkNotNull(limits, "limits");
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive: " + maxPayloadBytes);
        }
        this.maxPayloadBytes = maxPayloadBytes;
        this.counters = checkNotNull(counters, "counters");
        this.protocol = checkNotNull(protocol, "protocol");
    }

    /** The coalesce policy. */
    public CoalescePolicy policy() {
        return policy;
    }

    /** The limits. */
    public ReassemblyLimits limits() {
        return limits;
    }

    /** Bytes pinned by all queues now. */
    public long pinnedBytes() {
        return pinnedBytes;
    }

    /** Highest {@link #pinnedBytes()} seen. */
    public long peakPinnedBytes() {
        return peakPinnedBytes;
    }

    /** Number of incomplete datagrams. */
    public int queueCount() {
        return queueCount;
    }

    /** Fragment buffers held (not copied) by all queues. */
    public int heldBuffers() {
        int n = 0;
        for (FragmentQueue<K> q = oldest; q != null; q = q.newer) {
            n += q.heldCount;
        }
        return n;
    }

    /** Deadline of the oldest queue, or {@link Long#MAX_VALUE} when there is none. */
    public long nextDeadlineNanos() {
        return oldest == null ? Long.MAX_VALUE : oldest.deadlineNanos;
    }

    /**
     * Inserts one fragment.
     *
     * @param lookupKey the fragment's key; borrowed (copied if a queue is created)
     * @param f the fragment, borrowed; ownership of its buffer is transferred: it is held, or copied and released, or
     *     dropped and released ({@code f} forgets it)
     * @param nowNanos the event loop's ticker time
     * @param alloc allocator for copy buffers
     * @return the outcome; on {@link InsertResult#COMPLETE} call {@link #takeCompleted()}
     */
    public InsertResult insert(K lookupKey, Fragment f, long nowNanos, ByteBufAllocator alloc) {
        ByteBuf buf = f.buf;
        f.buf = null;
        int dataIndex = f.dataIndex;
        int offset = f.offset;
        int length = f.length;
        int headerIndex = f.headerIndex;
        int headerLength = f.headerLength;
        int flags = f.flags;
        lastSlot = 0;
        arrivals++;
        expire(nowNanos);
        // fragments of one datagram arrive back to back, or interleaved with one other datagram's: try the queues
        // the previous fragments went to first
        FragmentQueue<K> q = find(lookupKey);
        if (q == null) {
            if (pinnedBytes > limits.highThresholdBytes()) {
                evict(null);
                return dropFragment(buf, DropReason.MEMORY_LIMIT, InsertResult.NO_MEMORY, true);
            }
            if (refusesTinyNewQueue(length)) {
                // see ReassemblyLimits#minFragmentUnderPressure: a queue per tiny packet is what makes a fresh-ID
                // flood cost twice an ordinary packet; refused here it costs the lookup just done
                return dropFragment(buf, DropReason.TINY_FRAGMENT_UNDER_PRESSURE, InsertResult.NO_MEMORY, true);
            }
            int hint = Math.min(maxPayloadBytes, Math.max(offset + length, sizeHint));
            if (TINY_FRAGMENT_RATIO * length < hint && pinnedBytes > limits.lowThresholdBytes()) {
                // Under memory pressure a tiny fragment on a new ID (a flood of fresh IDs makes a queue per packet)
                // gets bitmaps for what it covers, grown on demand, not for the whole datagram: what such a flood
                // costs per packet is mostly the fresh memory a new queue touches (2 KiB of bitmaps for 64 KB).
                hint = offset + length;
            }
            int words = Math.max(1, (((hint + 7) >>> BLOCK_SHIFT) + 63) >>> 6);
            long[] coverage;
            long[] runStarts;
            if (spareCoverage != null && spareCoverage.length >= words) {
                // bitmaps of the last completed datagram, cleared: no allocation per datagram in a steady stream
                coverage = spareCoverage;
                runStarts = spareRunStarts;
                spareCoverage = null;
                spareRunStarts = null;
            } else {
                coverage = new long[words];
                runStarts = new long[words];
            }
            q = protocol.newQueue();
            q.init(lookupKey.copy(), nowNanos, limits.timeoutNanos(), f.forwarding,
                    checkNotNull(f.overlapPolicy, "overlapPolicy"), coverage, runStarts);
            add(q, lookupHash);
            link(q);
            charge(q, FragmentQueue.QUEUE_OVERHEAD_BYTES + 2 * coverageBytes(q));
            DropReason restart = protocol.fragmentQueued(q, true);
            if (restart != null) {
                reinit(q, restart, nowNanos);
            }
        } else {
            DropReason restart = protocol.fragmentQueued(q, false);
            if (restart != null) {
                reinit(q, restart, nowNanos);
            }
        }
        if (q.holding) {
            q.arrivalsWhileHolding++;
        }
        int end = offset + length;
        // as Linux ip6_frag_queue / ip_frag_queue
        if (f.last) {
            if (end < q.length || (q.lastIn && end != q.length)) {
                return discard(q, buf, DropReason.INVALID_FRAGMENT, InsertResult.INVALID);
            }
            q.lastIn = true;
            q.length = end;
        } else if (end > q.length) {
            if (q.lastIn) {
                return discard(q, buf, DropReason.INVALID_FRAGMENT, InsertResult.INVALID);
            }
            q.length = end;
        }
        if (end == offset) {
            return discard(q, buf, DropReason.INVALID_FRAGMENT, InsertResult.INVALID);
        }
        int b0 = offset >>> BLOCK_SHIFT;
        int b1 = (end + 7) >>> BLOCK_SHIFT;
        if (q.overlapPolicy != OverlapPolicy.DROP) {
            return insertTargetBased(q, buf, dataIndex, offset, end, b0, b1, headerIndex, headerLength, flags, alloc);
        }
        if (offset < q.tailEnd) {
            // Not beyond the tail: as Linux inet_frag_queue_insert's rbtree walk over runs, a fragment inside one
            // run is a duplicate (dropped, queue kept); touching received data in any other way is an overlap.
            int covered = q.covered(b0, b1);
            if (covered == b1 - b0 && !q.runStartIn(b0 + 1, b1)) {
                return dropFragment(buf, DropReason.DUPLICATE_FRAGMENT, InsertResult.DUPLICATE, false);
            }
            if (covered != 0) {
                counters.increment(MibCounter.REASM_OVERLAPS);
                return discard(q, buf, DropReason.OVERLAPPING_FRAGMENT, InsertResult.OVERLAP);
            }
        }
        if (((b1 + 63) >>> 6) > q.coverage.length) {
            long before = coverageBytes(q);
            q.ensureCoverage(b1);
            charge(q, 2 * (coverageBytes(q) - before));
        }
        if (q.meat == 0 || offset != q.tailEnd) {
            q.markRunStart(b0); // Linux fragrun_create; an in-order tail append extends the last run
        }
        q.cover(b0, b1);
        if (end > q.tailEnd) {
            q.tailEnd = end;
        }
        q.meat += length;
        q.flags |= flags;
        q.maxFragmentSize = Math.max(q.maxFragmentSize, buf.readableBytes());

        boolean copy = shouldCopy(q, buf);
        boolean sparse = copy && q.head == null && sparseUnderPressure(q, headerLength);
        if (sparse) {
            // The datagram's copy buffer would have to reach this fragment's offset (up to 64 KiB for 8 bytes at the
            // end of a datagram): under memory pressure a queue whose data is tiny next to that buffer keeps its
            // bytes back to back in a small array of its own, so that a flood of tiny fragments on fresh IDs pins
            // what it carries, not 64 KiB per ID, and costs one small allocation per queue, not one per fragment.
            charge(q, q.storeSparse(buf, dataIndex, offset, length));
            copy = false;
        }
        if (copy) {
            ensureHead(q, end, headerLength, alloc);
            q.head.setBytes(q.headroom + offset, buf, dataIndex, length);
        }
        if (offset == 0) {
            q.firstIn = true;
            q.firstFragmentLength = length;
            storeHeader(q, buf, headerIndex, headerLength, alloc);
        }
        if (copy || sparse) {
            buf.release();
        } else {
            buf.setIndex(dataIndex, dataIndex + length);
            q.hold(buf, offset, policy == CoalescePolicy.NONE || q.forwarding ? 16 : limits.componentBudget() + 1);
            charge(q, Pinning.pinnedBytes(buf));
            if (policy == CoalescePolicy.ADAPTIVE && !q.forwarding && !q.holding) {
                q.expectedHeaderLength = headerLength;
                linkHolding(q);
            }
        }

        if (q.firstIn && q.lastIn && q.meat == q.length) {
            complete(q, alloc);
            coalesceStalled(nowNanos, alloc); // q is out of the table: it cannot be evicted here
            return InsertResult.COMPLETE;
        }
        coalesceStalledOnly(nowNanos, alloc);
        return queued(q); // enforces the memory limit, keeping q if it can
    }

    /**
     * Whether {@link #insert} would refuse a fragment of {@code length} data bytes that needs a new queue, with the
     * table as it is now: pinned memory above the high threshold, or a fragment smaller than
     * {@link ReassemblyLimits#minFragmentUnderPressure()} above the low threshold. Queues due to expire are expired by
     * the insert first ({@link #expire}); call that first for an exact answer.
     */
    public boolean refusesNewQueue(int length) {
        return pinnedBytes > limits.highThresholdBytes() || refusesTinyNewQueue(length);
    }

    private boolean refusesTinyNewQueue(int length) {
        return length < limits.minFragmentUnderPressure() && length != 0 && pinnedBytes > limits.lowThresholdBytes();
    }

    /**
     * {@link CoalescePolicy#ADAPTIVE}: a datagram that has held fragment buffers for longer than the adaptive hold
     * time, or while more than the adaptive hold in fragments of other datagrams arrived, is probably stalled (a
     * fragment lost); its held fragments are copied into its own buffer and released, so a stalled datagram never
     * keeps receive buffers (the pathology of Linux before "inet: frags: re-introduce skb coalescing") while datagrams
     * in flight stay zero-copy. The count matters when traffic is fast: a bounded receive ring turns over long before
     * the hold time at Gbit/s rates. Queues holding buffers are on their own list in the order they started holding,
     * and only the oldest is examined, so this costs O(1) per insert plus the copies.
     *
     * <p>A copy buffer can pin more than the fragments it replaces (a small fragment far into the datagram needs a
     * buffer up to its offset), so when the copies take the table above the high threshold the oldest queues are
     * evicted down to the low threshold, as on insert.
     *
     * @return queues coalesced
     */
    public int coalesceStalled(long nowNanos, ByteBufAllocator alloc) {
        int n = coalesceStalledOnly(nowNanos, alloc);
        if (n > 0 && pinnedBytes > limits.highThresholdBytes()) {
            evict(null);
        }
        return n;
    }

    /** {@link #coalesceStalled} without the memory-limit enforcement (the caller enforces it). */
    private int coalesceStalledOnly(long nowNanos, ByteBufAllocator alloc) {
        int n = 0;
        long hold = limits.adaptiveHoldNanos();
        long holdFragments = limits.adaptiveHoldFragments();
        while (oldestHolding != null && (nowNanos - oldestHolding.createdNanos >= hold
                || arrivals - oldestHolding.holdingSinceArrival - (oldestHolding.arrivalsWhileHolding - 1)
                        >= holdFragments)) {
            FragmentQueue<K> q = oldestHolding;
            unlinkHolding(q);
            int end = q.tailEnd;
            ensureHead(q, end, q.head != null ? q.headroom : Math.max(q.expectedHeaderLength, 0), alloc);
            for (int i = 0; i < q.heldCount; i++) {
                ByteBuf h = q.held[i];
                q.held[i] = null;
                q.head.setBytes(q.headroom + q.heldOffset[i], h, h.readerIndex(), h.readableBytes());
                long pinned = Pinning.pinnedBytes(h);
                q.pinnedBytes -= pinned;
                pinnedBytes -= pinned;
                h.release();
            }
            q.heldCount = 0;
            n++;
        }
        return n;
    }

    /** When {@link #coalesceStalled} has work next, or {@link Long#MAX_VALUE}. */
    public long nextCoalesceNanos() {
        return oldestHolding == null ? Long.MAX_VALUE : oldestHolding.createdNanos + limits.adaptiveHoldNanos();
    }

    private void linkHolding(FragmentQueue<K> q) {
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

    private void unlinkHolding(FragmentQueue<K> q) {
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

    private InsertResult queued(FragmentQueue<K> q) {
        if (pinnedBytes > limits.highThresholdBytes()) {
            evict(q);
            if (q.pinnedBytes > limits.highThresholdBytes()) {
                kill(q, DropReason.MEMORY_LIMIT);
                counters.increment(MibCounter.REASM_FAILS);
                return InsertResult.QUEUED;
            }
        }
        if (q == hot) {
            hotIsRecent = true;
            lastSlot = 1;
        } else if (q == warm) {
            hotIsRecent = false;
            lastSlot = 2;
        } else if (hotIsRecent) {
            warm = q;
            hotIsRecent = false;
            lastSlot = 2;
        } else {
            hot = q;
            hotIsRecent = true;
            lastSlot = 1;
        }
        return InsertResult.QUEUED;
    }

    /**
     * Target-based overlap policies: every 8-byte block is owned by the fragment whose data it holds; a new fragment
     * takes the free blocks and, by the policy's rule, the blocks of the fragments it overlaps. Data is copied.
     */
    private InsertResult insertTargetBased(FragmentQueue<K> q, ByteBuf buf, int dataIndex, int offset, int end,
            int b0, int b1, int headerIndex, int headerLength, int flags, ByteBufAllocator alloc) {
        long before = 2 * coverageBytes(q) + (q.owner == null ? 0 : 4L * q.owner.length);
        q.ensureCoverage(b1);
        q.ensureOwners(b1);
        charge(q, 2 * coverageBytes(q) + 4L * q.owner.length - before);
        ensureHead(q, end, headerLength, alloc);
        OverlapPolicy policy = q.overlapPolicy;
        int id = q.addFragment(offset, end);
        boolean overlapped = false;
        int takeFrom = -1;
        for (int b = b0; b < b1; b++) {
            int o = q.owner[b];
            boolean take;
            if (o == 0) {
                take = true;
                q.coveredBlocks++;
            } else {
                overlapped = true;
                take = policy.newWins(offset, end, q.fragmentStart[o - 1], q.fragmentEnd[o - 1]);
            }
            if (take) {
                q.owner[b] = id;
                if (takeFrom < 0) {
                    takeFrom = b;
                }
            } else if (takeFrom >= 0) {
                copyBlocks(q, buf, dataIndex, offset, end, takeFrom, b);
                takeFrom = -1;
            }
        }
        if (takeFrom >= 0) {
            copyBlocks(q, buf, dataIndex, offset, end, takeFrom, b1);
        }
        if (overlapped) {
            counters.increment(MibCounter.REASM_OVERLAPS);
        }
        q.cover(b0, b1);
        q.meat += end - offset;
        q.flags |= flags;
        q.maxFragmentSize = Math.max(q.maxFragmentSize, buf.readableBytes());
        if (offset == 0 && !q.firstIn) {
            q.firstIn = true;
            q.firstFragmentLength = end;
            storeHeader(q, buf, headerIndex, headerLength, alloc);
        }
        buf.release();
        if (q.firstIn && q.lastIn && q.coveredBlocks == (q.length + 7) >>> BLOCK_SHIFT) {
            complete(q, alloc);
            return InsertResult.COMPLETE;
        }
        return queued(q);
    }

    private static void copyBlocks(FragmentQueue<?> q, ByteBuf buf, int dataIndex, int offset, int end, int fromBlock,
            int toBlock) {
        int from = fromBlock << BLOCK_SHIFT;
        int to = Math.min(toBlock << BLOCK_SHIFT, end);
        q.head.setBytes(q.headroom + from, buf, dataIndex + from - offset, to - from);
    }

    /**
     * Looks a queue up without creating one (the two recently used queues first, then the map).
     *
     * @param lookupKey borrowed
     * @return the live queue, or {@code null}
     */
    public FragmentQueue<K> find(K lookupKey) {
        if (hot != null && hot.key.equals(lookupKey)) {
            return hot;
        }
        if (warm != null && warm.key.equals(lookupKey)) {
            return warm;
        }
        long h64 = lookupKey.hash(hasher);
        int h = (int) (h64 ^ (h64 >>> 32));
        lookupHash = h;
        for (FragmentQueue<K> q = queues.get(h); q != null; q = q.sameHash) {
            if (q.key.equals(lookupKey)) {
                return q;
            }
        }
        return null;
    }

    private void add(FragmentQueue<K> q, int h) {
        q.hash = h;
        FragmentQueue<K> head = queues.get(h);
        if (head == null) {
            queues.put(h, q);
        } else {
            q.sameHash = head.sameHash;
            head.sameHash = q;
        }
        queueCount++;
    }

    private boolean contains(FragmentQueue<K> q) {
        for (FragmentQueue<K> p = queues.get(q.hash); p != null; p = p.sameHash) {
            if (p == q) {
                return true;
            }
        }
        return false;
    }

    /**
     * The queue the last {@link #insert} left incomplete (the fragment was queued), or {@code null} when it was
     * dropped, discarded or completed. Valid until the next insert.
     */
    public FragmentQueue<K> lastQueue() {
        return lastSlot == 1 ? hot : lastSlot == 2 ? warm : null;
    }

    /**
     * Throws away a live queue's fragments and the queue (Linux {@code ip_frag_reinit}: the next fragment with this
     * key starts afresh, with a new timeout). Counted under {@code reason} and ReasmFails.
     */
    public void flush(FragmentQueue<K> q, DropReason reason) {
        if (!contains(q)) {
            throw new IllegalArgumentException("not a live queue of this table: " + q);
        }
        remove(q);
        counters.drop(reason);
        counters.increment(MibCounter.REASM_FAILS);
        release(q);
    }

    /**
     * Takes the datagram completed by the last insert: the header (at index 0 of the readable bytes, as stored from
     * the first fragment) followed by the payload. Ownership is transferred to the caller.
     */
    public ByteBuf takeCompleted() {
        ByteBuf b = completed;
        completed = null;
        if (b == null) {
            throw new IllegalStateException("no completed datagram");
        }
        return b;
    }

    /**
     * The queue of the datagram completed by the last insert (its buffers have moved to the result; read its
     * metadata only). Valid until the next insert.
     */
    public FragmentQueue<K> completedQueue() {
        return completedQueue;
    }

    /**
     * Expires every queue whose deadline is at or before {@code nowNanos}: counted as ReasmFails and ReasmTimeout,
     * reported to the listener, then released.
     *
     * @return number of queues expired
     */
    public int expire(long nowNanos) {
        int n = 0;
        while (oldest != null && oldest.deadlineNanos - nowNanos <= 0) {
            FragmentQueue<K> q = oldest;
            remove(q);
            counters.increment(MibCounter.REASM_FAILS);
            counters.increment(MibCounter.REASM_TIMEOUT);
            counters.drop(DropReason.QUEUE_TIMEOUT);
            try {
                protocol.expired(q);
            } finally {
                release(q);
            }
            n++;
        }
        return n;
    }

    /** Releases every queue (handler removal). Counted per datagram as {@link DropReason#QUEUE_DISCARDED}. */
    public void releaseAll() {
        while (oldest != null) {
            FragmentQueue<K> q = oldest;
            remove(q);
            counters.drop(DropReason.QUEUE_DISCARDED);
            release(q);
        }
        if (completed != null) {
            completed.release();
            completed = null;
        }
    }

    // ---- internals ------------------------------------------------------------------------------------------------

    private static long coverageBytes(FragmentQueue<?> q) {
        return 8L * q.coverage.length;
    }

    private boolean shouldCopy(FragmentQueue<K> q, ByteBuf buf) {
        if (q.forwarding) {
            return false; // as Linux: only local delivery coalesces; forwarding keeps fragment geometry
        }
        switch (policy) {
            case NONE:
                return false;
            case COPY:
                return true;
            case COMPOSITE:
                return q.heldCount >= limits.componentBudget();
            case ADAPTIVE:
                return q.heldCount >= limits.componentBudget()
                        || Pinning.pinnedBytes(buf) > 2L * buf.readableBytes();
            default:
                throw new AssertionError(policy);
        }
    }

    /**
     * Whether a queue without a copy buffer should keep its data in its sparse store ({@link FragmentQueue#sparse})
     * rather than get the copy buffer: the table is past the low threshold (or would be with that buffer) and the
     * buffer, sized for the datagram, would be more than {@value #TINY_FRAGMENT_RATIO} times the data the queue has
     * received. A flood of tiny fragments on fresh IDs (FragmentSmack) would otherwise pin a whole datagram's buffer
     * per ID and evict legitimate datagrams after ~60 IDs. A datagram in fragments of ordinary MTUs (a 64 KB datagram
     * in 1232-byte fragments asks for 53 times its first fragment) gets its buffer at once, so a normal stream, even
     * one that keeps the table at its limit because of losses, copies every byte exactly once into one buffer per
     * datagram; a datagram of tiny fragments moves to a copy buffer once it has received 1/64 of it. Without
     * pressure the buffer is always sized for the whole datagram at once.
     */
    private boolean sparseUnderPressure(FragmentQueue<K> q, int headroom) {
        long need = headroom + (long) (q.lastIn ? q.length
                : Math.max(q.tailEnd, Math.min(sizeHint, maxPayloadBytes)));
        return need > TINY_FRAGMENT_RATIO * q.meat && pinnedBytes + need > limits.lowThresholdBytes();
    }

    /** See {@link #sparseUnderPressure}: data this many times smaller than its copy buffer is "tiny". */
    static final long TINY_FRAGMENT_RATIO = 64;

    private void ensureHead(FragmentQueue<K> q, int end, int headroom, ByteBufAllocator alloc) {
        if (q.head == null) {
            // the sparse store, if any, reaches up to tailEnd
            int payload = q.lastIn ? q.length
                    : Math.max(Math.max(end, q.sparse != null ? q.tailEnd : 0), Math.min(sizeHint, maxPayloadBytes));
            q.headroom = headroom;
            q.head = alloc.directBuffer(headroom + payload);
            charge(q, q.head.capacity());
            if (q.sparse != null) {
                charge(q, -q.foldSparse());
            }
        } else if (q.headroom + end > q.head.capacity()) {
            int payload = q.lastIn ? q.length
                    : Math.max(end, Math.min(maxPayloadBytes, 2 * (q.head.capacity() - q.headroom)));
            ByteBuf bigger = alloc.directBuffer(q.headroom + payload);
            // Copy everything written so far (header room included); indices are not used for the copy buffer.
            bigger.setBytes(0, q.head, 0, q.head.capacity());
            long old = q.head.capacity();
            q.head.release();
            q.head = bigger;
            charge(q, bigger.capacity() - old);
        }
    }

    private void storeHeader(FragmentQueue<K> q, ByteBuf buf, int index, int length, ByteBufAllocator alloc) {
        q.headerLength = length;
        if (q.head != null && q.headroom >= length) {
            q.head.setBytes(q.headroom - length, buf, index, length);
            q.headerInHead = true;
        } else {
            q.headerBuf = alloc.directBuffer(length);
            q.headerBuf.writeBytes(buf, index, length);
            charge(q, q.headerBuf.capacity());
        }
    }

    private void complete(FragmentQueue<K> q, ByteBufAllocator alloc) {
        if (q.sparse != null) {
            // data is still in the sparse store when the datagram is tiny (under 1/64 of its header) or when its
            // other fragments were held rather than copied (ADAPTIVE): fold it into a copy buffer
            ensureHead(q, q.length, 0, alloc);
        }
        remove(q);
        uncharge(q);
        sizeHint = q.length;
        if (spareCoverage == null || spareCoverage.length < q.coverage.length) {
            java.util.Arrays.fill(q.coverage, 0);
            java.util.Arrays.fill(q.runStarts, 0);
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
            FragmentChainByteBuf c = FragmentChainByteBuf.newInstance(alloc, 2 * q.heldCount + 2);
            int cursor = 0;
            if (q.headerInHead) {
                int firstHeld = q.heldCount > 0 ? q.heldOffset[0] : q.length;
                // header and the copied data that follows it are contiguous in the copy buffer: one part
                c.add(q.head.retainedSlice(q.headroom - q.headerLength, q.headerLength + firstHeld));
                cursor = firstHeld;
            } else {
                c.add(q.headerBuf);
                q.headerBuf = null;
            }
            for (int i = 0; i < q.heldCount; i++) {
                int off = q.heldOffset[i];
                if (off > cursor) {
                    c.add(q.head.retainedSlice(q.headroom + cursor, off - cursor));
                }
                ByteBuf h = q.held[i];
                q.held[i] = null;
                cursor = off + h.readableBytes();
                c.add(h);
            }
            q.heldCount = 0;
            if (cursor < q.length) {
                c.add(q.head.retainedSlice(q.headroom + cursor, q.length - cursor));
            }
            if (q.head != null) {
                q.head.release();
                q.head = null;
            }
            result = c;
        }
        q.released = true;
        completed = result;
        completedQueue = q;
    }

    private InsertResult dropFragment(ByteBuf buf, DropReason reason, InsertResult result, boolean fail) {
        counters.drop(reason);
        if (fail) {
            counters.increment(MibCounter.REASM_FAILS);
        }
        buf.release();
        return result;
    }

    private InsertResult discard(FragmentQueue<K> q, ByteBuf buf, DropReason reason, InsertResult result) {
        remove(q);
        release(q);
        return dropFragment(buf, reason, result, true);
    }

    /** Evicts the oldest queues other than {@code keep} until pinned memory is at or below the low threshold. */
    private void evict(FragmentQueue<K> keep) {
        FragmentQueue<K> q = oldest;
        while (pinnedBytes > limits.lowThresholdBytes() && q != null) {
            FragmentQueue<K> next = q.newer;
            if (q != keep) {
                remove(q);
                counters.increment(MibCounter.REASM_FAILS);
                counters.drop(DropReason.QUEUE_EVICTED);
                release(q);
            }
            q = next;
        }
    }

    /**
     * Starts a live queue afresh in place (Linux {@code ip_frag_reinit}): its data is released and forgotten, its
     * deadline restarts from now, its key and the protocol's state stay. Counted under {@code reason} and ReasmFails.
     */
    private void reinit(FragmentQueue<K> q, DropReason reason, long nowNanos) {
        counters.drop(reason);
        counters.increment(MibCounter.REASM_FAILS);
        unlinkHolding(q);
        unlink(q);
        uncharge(q);
        q.restart(nowNanos);
        link(q);
        charge(q, FragmentQueue.QUEUE_OVERHEAD_BYTES + 2 * coverageBytes(q));
    }

    private void kill(FragmentQueue<K> q, DropReason reason) {
        remove(q);
        counters.drop(reason);
        release(q);
    }

    private void link(FragmentQueue<K> q) {
        q.older = newest;
        if (newest != null) {
            newest.newer = q;
        } else {
            oldest = q;
        }
        newest = q;
    }

    private void remove(FragmentQueue<K> q) {
        FragmentQueue<K> head = queues.get(q.hash);
        if (head == q) {
            if (q.sameHash == null) {
                queues.remove(q.hash);
            } else {
                queues.put(q.hash, q.sameHash);
            }
        } else {
            FragmentQueue<K> p = head;
            while (p.sameHash != q) {
                p = p.sameHash;
            }
            p.sameHash = q.sameHash;
        }
        q.sameHash = null;
        queueCount--;
        if (hot == q) {
            hot = null;
        }
        if (warm == q) {
            warm = null;
        }
        unlinkHolding(q);
        unlink(q);
    }

    private void unlink(FragmentQueue<K> q) {
        if (q.older != null) {
            q.older.newer = q.newer;
        } else {
            oldest = q.newer;
        }
        if (q.newer != null) {
            q.newer.older = q.older;
        } else {
            newest = q.older;
        }
        q.older = null;
        q.newer = null;
    }

    private void release(FragmentQueue<K> q) {
        uncharge(q);
        q.releaseAll();
    }

    private void charge(FragmentQueue<K> q, long bytes) {
        q.pinnedBytes += bytes;
        pinnedBytes += bytes;
        if (pinnedBytes > peakPinnedBytes) {
            peakPinnedBytes = pinnedBytes;
        }
    }

    private void uncharge(FragmentQueue<K> q) {
        pinnedBytes -= q.pinnedBytes;
        q.pinnedBytes = 0;
    }
}
