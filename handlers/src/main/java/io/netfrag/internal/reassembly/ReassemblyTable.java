package io.netfrag.internal.reassembly;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The protocol-free reassembly core, shared by the IPv6 and IPv4 reassemblers the way Linux's {@code inet_frag}
 * serves {@code ipv6/reassembly.c} and {@code ipv4/ip_fragment.c}. It knows fragments only as (offset, length, last)
 * over a payload of at most {@code maxPayloadBytes}; the protocol validates headers, builds keys, keeps its own state
 * in its queue type and turns a completed payload back into a packet ({@link ReassemblyProtocol}). A fragment comes
 * in as one reusable {@link Fragment}.
 *
 * <p>This class applies the rules and runs one insert from lookup to completion; each job has a class of its own:
 * finding queues ({@link QueueIndex}), their creation order, which is expiry and eviction order ({@link QueueList}),
 * the memory they pin and its thresholds ({@link MemoryAccount}), {@code ADAPTIVE}'s stalled datagrams
 * ({@link StallCoalescer}), target-based overlap policies ({@link TargetBasedInsertion}), where a fragment's data goes
 * under the coalesce policy ({@link Placement}), and copy buffers, headers and completed datagrams
 * ({@link DatagramAssembler}). A queue's coverage, runs and held buffers are in
 * {@link FragmentQueue}, a tiny queue's data under memory pressure in its {@link SparseStore}.
 *
 * <p><b>Memory</b>: when an insert leaves the table above the high threshold, the oldest other queues are evicted
 * until it is at or below the low threshold; if the queue being filled alone is still above the high threshold, it
 * is discarded too. A fragment that needs a new queue while the table is above the high threshold is dropped, and so
 * is one smaller than {@link ReassemblyLimits#minFragmentUnderPressure()} while it is above the low threshold.
 *
 * <p><b>Rules</b> applied here are the protocol-independent ones of Linux {@code ip6_frag_queue}/{@code ip_frag_queue}
 * and {@code inet_frag_queue_insert}: a last fragment must not end before data already seen nor disagree with an
 * earlier last fragment; no data beyond a known end; no zero-length fragment (each discards the datagram); a fragment
 * entirely within one run of received data (Linux's runs: fragments appended in order at the tail) is a duplicate
 * (dropped, queue kept); any other overlap discards the datagram (RFC 5722), including a fragment that spans two runs
 * even when every byte of it was received, exactly as Linux decides.
 *
 * <p>Single-threaded: use from one event loop.
 *
 * @param <K> key type
 */
public final class ReassemblyTable<K extends FragmentKey<K>> {
    private static final int BLOCK_SHIFT = 3; // 8-byte fragment blocks (RFC 791, RFC 8200)

    private final CoalescePolicy policy;
    private final ReassemblyLimits limits;
    private final Counters counters;
    private final ReassemblyProtocol<K> protocol;
    private final QueueIndex<K> index = new QueueIndex<>();
    private final QueueList<K> list = new QueueList<>();
    private final MemoryAccount account;
    private final DatagramAssembler assembler;
    private final StallCoalescer<K> stalls;
    private final TargetBasedInsertion targetBased;
    private final Placement<K> placement;
    private ByteBuf completed;
    private FragmentQueue<K> completedQueue;

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
        this.counters = checkNotNull(counters, "counters");
        this.protocol = checkNotNull(protocol, "protocol");
        this.account = new MemoryAccount(limits);
        this.assembler = new DatagramAssembler(maxPayloadBytes, account);
        this.stalls = new StallCoalescer<>(limits, account, assembler);
        this.targetBased = new TargetBasedInsertion(account, assembler, counters);
        this.placement = new Placement<>(policy, limits, account, assembler, stalls);
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
        return account.pinnedBytes();
    }

    /** Highest {@link #pinnedBytes()} seen. */
    public long peakPinnedBytes() {
        return account.peakPinnedBytes();
    }

    /** Number of incomplete datagrams. */
    public int queueCount() {
        return index.size();
    }

    /** Fragment buffers held (not copied) by all queues. */
    public int heldBuffers() {
        int n = 0;
        for (FragmentQueue<K> q = list.oldest(); q != null; q = q.newer) {
            n += q.heldCount;
        }
        return n;
    }

    /** Deadline of the oldest queue, or {@link Long#MAX_VALUE} when there is none. */
    public long nextDeadlineNanos() {
        return list.nextDeadlineNanos();
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
        int offset = f.offset;
        int length = f.length;
        index.forgetLast();
        stalls.tick();
        expire(nowNanos);
        FragmentQueue<K> q = index.find(lookupKey);
        boolean created = q == null;
        if (created) {
            if (account.aboveHigh()) {
                evict(null);
                return dropFragment(buf, DropReason.MEMORY_LIMIT, InsertResult.NO_MEMORY, true);
            }
            if (account.refusesTinyNewQueue(length)) {
                // see ReassemblyLimits#minFragmentUnderPressure: a queue per tiny packet is what makes a fresh-ID
                // flood cost twice an ordinary packet; refused here it costs the lookup just done
                return dropFragment(buf, DropReason.TINY_FRAGMENT_UNDER_PRESSURE, InsertResult.NO_MEMORY, true);
            }
            q = newQueue(lookupKey, f, nowNanos);
        }
        DropReason restart = protocol.fragmentQueued(q, created);
        if (restart != null) {
            reinit(q, restart, nowNanos);
        }
        stalls.arrival(q);
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
        if (q.overlapPolicy != OverlapPolicy.DROP) {
            boolean done;
            try {
                done = targetBased.insert(q, buf, f.dataIndex, offset, end, f, alloc);
            } catch (OutOfMemoryError e) {
                return allocationFailed(q, buf); // allocation comes before anything takes the buffer
            }
            if (done) {
                return complete(q, alloc) ? InsertResult.COMPLETE : InsertResult.NO_MEMORY;
            }
            return queued(q);
        }
        int b0 = offset >>> BLOCK_SHIFT;
        int b1 = (end + 7) >>> BLOCK_SHIFT;
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
            long before = q.coverage.length;
            q.ensureCoverage(b1);
            account.charge(q, 16 * (q.coverage.length - before));
        }
        if (q.meat == 0 || offset != q.tailEnd) {
            q.markRunStart(b0); // Linux fragrun_create; an in-order tail append extends the last run
        }
        q.cover(b0, b1);
        if (end > q.tailEnd) {
            q.tailEnd = end;
        }
        q.meat += length;
        q.flags |= f.flags;
        q.maxFragmentSize = Math.max(q.maxFragmentSize, buf.readableBytes());
        try {
            placement.place(q, buf, f, alloc);
        } catch (OutOfMemoryError e) {
            return allocationFailed(q, buf); // allocation comes before anything takes the buffer
        }
        if (q.firstIn && q.lastIn && q.meat == q.length) {
            boolean done = complete(q, alloc);
            coalesceStalled(nowNanos, alloc); // q is out of the table: it cannot be evicted here
            return done ? InsertResult.COMPLETE : InsertResult.NO_MEMORY;
        }
        stalls.coalesce(nowNanos, alloc);
        return queued(q); // enforces the memory limit, keeping q if it can
    }

    /** A queue for the key the last lookup missed, with bitmaps sized for the datagram it probably is. */
    private FragmentQueue<K> newQueue(K lookupKey, Fragment f, long nowNanos) {
        int hint = assembler.expectedLength(f.offset + f.length);
        if (DatagramAssembler.TINY_FRAGMENT_RATIO * f.length < hint && account.aboveLow()) {
            // Under memory pressure a tiny fragment on a new ID (a flood of fresh IDs makes a queue per packet)
            // gets bitmaps for what it covers, grown on demand, not for the whole datagram: what such a flood
            // costs per packet is mostly the fresh memory a new queue touches (2 KiB of bitmaps for 64 KB).
            hint = f.offset + f.length;
        }
        FragmentQueue<K> q = protocol.newQueue();
        q.init(lookupKey.copy(), nowNanos, limits.timeoutNanos(), f.forwarding,
                checkNotNull(f.overlapPolicy, "overlapPolicy"));
        q.heapCopy = f.decryptedNext;
        assembler.giveBitmaps(q, hint);
        index.add(q);
        list.link(q);
        account.charge(q, FragmentQueue.QUEUE_OVERHEAD_BYTES + 16L * q.coverage.length);
        return q;
    }

    /**
     * Whether {@link #insert} would refuse a fragment of {@code length} data bytes that needs a new queue, with the
     * table as it is now (see {@link MemoryAccount#refusesNewQueue}). Queues due to expire are expired by the insert
     * first ({@link #expire}); call that first for an exact answer.
     */
    public boolean refusesNewQueue(int length) {
        return account.refusesNewQueue(length);
    }

    /**
     * {@link CoalescePolicy#ADAPTIVE}: copies the held fragments of stalled datagrams into their own buffers (see
     * {@link StallCoalescer}); when the copies take the table above the high threshold the oldest queues are evicted
     * down to the low threshold, as on insert.
     *
     * @return queues coalesced
     */
    public int coalesceStalled(long nowNanos, ByteBufAllocator alloc) {
        int n = stalls.coalesce(nowNanos, alloc);
        if (n > 0 && account.aboveHigh()) {
            evict(null);
        }
        return n;
    }

    /** When {@link #coalesceStalled} has work next, or {@link Long#MAX_VALUE}. */
    public long nextCoalesceNanos() {
        return stalls.nextNanos();
    }

    private InsertResult queued(FragmentQueue<K> q) {
        if (account.aboveHigh()) {
            evict(q);
            if (q.pinnedBytes > limits.highThresholdBytes()) {
                kill(q, DropReason.MEMORY_LIMIT);
                counters.increment(MibCounter.REASM_FAILS);
                return InsertResult.QUEUED;
            }
        }
        index.used(q);
        return InsertResult.QUEUED;
    }

    /**
     * Looks a queue up without creating one.
     *
     * @param lookupKey borrowed
     * @return the live queue, or {@code null}
     */
    public FragmentQueue<K> find(K lookupKey) {
        return index.find(lookupKey);
    }

    /**
     * The queue the last {@link #insert} left incomplete (the fragment was queued), or {@code null} when it was
     * dropped, discarded or completed. Valid until the next insert.
     */
    public FragmentQueue<K> lastQueue() {
        return index.lastUsed();
    }

    /**
     * Throws away a live queue's fragments and the queue. Counted under {@code reason} and ReasmFails.
     */
    public void flush(FragmentQueue<K> q, DropReason reason) {
        if (!index.contains(q)) {
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
     * reported to the protocol, then released.
     *
     * @return number of queues expired
     */
    public int expire(long nowNanos) {
        int n = 0;
        for (FragmentQueue<K> q = list.oldest(); q != null && q.deadlineNanos - nowNanos <= 0; q = list.oldest()) {
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
        for (FragmentQueue<K> q = list.oldest(); q != null; q = list.oldest()) {
            remove(q);
            counters.drop(DropReason.QUEUE_DISCARDED);
            release(q);
        }
        if (completed != null) {
            completed.release();
            completed = null;
        }
    }

    /**
     * Takes the complete datagram out of the table into {@link #takeCompleted()}.
     *
     * @return false when a buffer for it could not be allocated: the datagram is dropped, its buffers released and
     *     counted (ReasmFails, {@link DropReason#ALLOCATION_FAILED})
     */
    private boolean complete(FragmentQueue<K> q, ByteBufAllocator alloc) {
        try {
            if (q.sparse != null) {
                // data is still in the sparse store when the datagram is tiny (under 1/64 of its header) or when its
                // other fragments were held rather than copied (ADAPTIVE): fold it into a copy buffer
                assembler.ensureHead(q, q.length, 0, alloc);
            }
        } catch (OutOfMemoryError e) {
            kill(q, DropReason.ALLOCATION_FAILED);
            counters.increment(MibCounter.REASM_FAILS);
            return false;
        }
        remove(q);
        account.uncharge(q);
        try {
            completed = assembler.assemble(q, alloc);
        } catch (OutOfMemoryError e) {
            // the result buffer is the one allocation, made before any of the queue's buffers moved into it
            q.releaseAll();
            counters.drop(DropReason.ALLOCATION_FAILED);
            counters.increment(MibCounter.REASM_FAILS);
            return false;
        }
        completedQueue = q;
        return true;
    }

    /**
     * A buffer for the fragment's queue could not be allocated: the fragment ({@code buf}, still the caller's: every
     * allocation of an insert comes before the buffer is taken) and its whole datagram are dropped and counted.
     */
    private InsertResult allocationFailed(FragmentQueue<K> q, ByteBuf buf) {
        kill(q, DropReason.ALLOCATION_FAILED);
        counters.increment(MibCounter.REASM_FAILS);
        buf.release();
        return InsertResult.NO_MEMORY;
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
        FragmentQueue<K> q = list.oldest();
        while (account.aboveLow() && q != null) {
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
        stalls.stopHolding(q);
        list.unlink(q);
        account.uncharge(q);
        q.restart(nowNanos);
        list.link(q);
        account.charge(q, FragmentQueue.QUEUE_OVERHEAD_BYTES + 16L * q.coverage.length);
    }

    private void kill(FragmentQueue<K> q, DropReason reason) {
        remove(q);
        counters.drop(reason);
        release(q);
    }

    /** Takes {@code q} out of the index, the creation-order list and the holding list. */
    private void remove(FragmentQueue<K> q) {
        index.remove(q);
        stalls.stopHolding(q);
        list.unlink(q);
    }

    private void release(FragmentQueue<K> q) {
        account.uncharge(q);
        q.releaseAll();
    }
}
