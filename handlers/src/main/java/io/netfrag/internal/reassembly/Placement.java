package io.netfrag.internal.reassembly;

import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Where a fragment's data goes, by the {@link CoalescePolicy}: {@code COPY} copies on arrival; {@code NONE} holds the
 * buffer; {@code COMPOSITE} holds up to the component budget and copies beyond; {@code ADAPTIVE} copies a buffer that
 * pins more than twice what it carries (a slice of a recvmmsg or GRO batch, a small fragment in a big buffer) and
 * otherwise holds, within the budget, until {@link StallCoalescer} says the datagram stalled. A forwarded datagram is
 * never coalesced: it keeps its fragment geometry, as in Linux, which coalesces only for local delivery.
 *
 * @param <K> key type
 */
final class Placement<K> {
    private final CoalescePolicy policy;
    private final ReassemblyLimits limits;
    private final MemoryAccount account;
    private final DatagramAssembler assembler;
    private final StallCoalescer<K> stalls;

    Placement(CoalescePolicy policy, ReassemblyLimits limits, MemoryAccount account, DatagramAssembler assembler,
            StallCoalescer<K> stalls) {
        this.policy = policy;
        this.limits = limits;
        this.account = account;
        this.assembler = assembler;
        this.stalls = stalls;
    }

    /**
     * Puts the fragment's data where the policy says: copied into the datagram's buffer, kept in its sparse store, or
     * held as received; keeps the header if it is the first fragment.
     *
     * @param buf ownership is transferred: held, or released once copied
     */
    void place(FragmentQueue<K> q, ByteBuf buf, Fragment f, ByteBufAllocator alloc) {
        int offset = f.offset;
        int length = f.length;
        int dataIndex = f.dataIndex;
        boolean copy = shouldCopy(q, buf);
        boolean sparse = copy && q.head == null && assembler.sparseUnderPressure(q, f.headerLength);
        if (sparse) {
            // The datagram's copy buffer would have to reach this fragment's offset (up to 64 KiB for 8 bytes at the
            // end of a datagram): under memory pressure a queue whose data is tiny next to that buffer keeps its
            // bytes back to back in a small array of its own, so that a flood of tiny fragments on fresh IDs pins
            // what it carries, not 64 KiB per ID, and costs one small allocation per queue, not one per fragment.
            if (q.sparse == null) {
                q.sparse = new SparseStore();
            }
            account.charge(q, q.sparse.store(buf, dataIndex, offset, length));
            copy = false;
        }
        if (copy) {
            assembler.ensureHead(q, offset + length, f.headerLength, alloc);
            q.head.setBytes(q.headroom + offset, buf, dataIndex, length);
        }
        if (offset == 0) {
            q.firstIn = true;
            q.firstFragmentLength = length;
            assembler.storeHeader(q, buf, f.headerIndex, f.headerLength, alloc);
        }
        if (copy || sparse) {
            buf.release();
        } else {
            buf.setIndex(dataIndex, dataIndex + length);
            q.hold(buf, offset, policy == CoalescePolicy.NONE || q.forwarding ? 16 : limits.componentBudget() + 1);
            account.charge(q, Pinning.pinnedBytes(buf));
            if (policy == CoalescePolicy.ADAPTIVE && !q.forwarding && !q.holding) {
                stalls.startHolding(q, f.headerLength);
            }
        }
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
}
