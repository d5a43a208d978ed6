package io.netfrag.internal.reassembly;

import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.stats.Counters;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;

/**
 * Insertion under a target-based {@link OverlapPolicy} (Novak's policies, as Snort and Suricata reassemble): every
 * 8-byte block is owned by the fragment whose data it holds; a new fragment takes the free blocks and, by the
 * policy's rule, the blocks of the fragments it overlaps. Data is always copied. The per-queue bookkeeping
 * ({@link Owners}) exists only in queues under such a policy.
 */
final class TargetBasedInsertion {
    private static final int BLOCK_SHIFT = 3;

    private final MemoryAccount account;
    private final DatagramAssembler assembler;
    private final Counters counters;

    TargetBasedInsertion(MemoryAccount account, DatagramAssembler assembler, Counters counters) {
        this.account = account;
        this.assembler = assembler;
        this.counters = counters;
    }

    /** Which fragment provides each block, and the range of every fragment accepted. */
    static final class Owners {
        /** The fragment that provides each block (index + 1; 0 = none). */
        int[] owner;
        int[] fragmentStart = new int[8];
        int[] fragmentEnd = new int[8];
        int fragments;
        /** Blocks covered: target-based queues complete on coverage rather than on byte count. */
        int coveredBlocks;

        int add(int start, int end) {
            if (fragments == fragmentStart.length) {
                fragmentStart = Arrays.copyOf(fragmentStart, fragments * 2);
                fragmentEnd = Arrays.copyOf(fragmentEnd, fragments * 2);
            }
            fragmentStart[fragments] = start;
            fragmentEnd[fragments] = end;
            return ++fragments;
        }

        void ensure(int blocks, int initial) {
            if (owner == null) {
                owner = new int[Math.max(blocks, initial)];
            } else if (blocks > owner.length) {
                owner = Arrays.copyOf(owner, Math.max(blocks, owner.length * 2));
            }
        }
    }

    /**
     * Inserts the data [offset, end) of {@code buf} into {@code q}.
     *
     * @param buf ownership is transferred: released here
     * @return whether the datagram is complete
     */
    boolean insert(FragmentQueue<?> q, ByteBuf buf, int dataIndex, int offset, int end, Fragment f,
            ByteBufAllocator alloc) {
        int b0 = offset >>> BLOCK_SHIFT;
        int b1 = (end + 7) >>> BLOCK_SHIFT;
        if (q.owners == null) {
            q.owners = new Owners();
        }
        Owners o = q.owners;
        long before = 16L * q.coverage.length + (o.owner == null ? 0 : 4L * o.owner.length);
        q.ensureCoverage(b1);
        o.ensure(b1, q.coverage.length << 6);
        account.charge(q, 16L * q.coverage.length + 4L * o.owner.length - before);
        assembler.ensureHead(q, end, f.headerLength, alloc);
        OverlapPolicy policy = q.overlapPolicy;
        int id = o.add(offset, end);
        boolean overlapped = false;
        int takeFrom = -1;
        for (int b = b0; b < b1; b++) {
            int owner = o.owner[b];
            boolean take;
            if (owner == 0) {
                take = true;
                o.coveredBlocks++;
            } else {
                overlapped = true;
                take = policy.newWins(offset, end, o.fragmentStart[owner - 1], o.fragmentEnd[owner - 1]);
            }
            if (take) {
                o.owner[b] = id;
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
        q.flags |= f.flags;
        q.maxFragmentSize = Math.max(q.maxFragmentSize, buf.readableBytes());
        if (offset == 0 && !q.firstIn) {
            q.firstIn = true;
            q.firstFragmentLength = end;
            assembler.storeHeader(q, buf, f.headerIndex, f.headerLength, alloc);
        }
        buf.release();
        return q.firstIn && q.lastIn && o.coveredBlocks == (q.length + 7) >>> BLOCK_SHIFT;
    }

    private static void copyBlocks(FragmentQueue<?> q, ByteBuf buf, int dataIndex, int offset, int end, int fromBlock,
            int toBlock) {
        int from = fromBlock << BLOCK_SHIFT;
        int to = Math.min(toBlock << BLOCK_SHIFT, end);
        q.head.setBytes(q.headroom + from, buf, dataIndex + from - offset, to - from);
    }
}
