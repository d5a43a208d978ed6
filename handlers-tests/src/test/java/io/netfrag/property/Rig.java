package io.netfrag.property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline the properties drive: {@code IpPacketDecoder → Ipv6FragmentReassembler → Ipv4FragmentReassembler} in
 * an {@link EmbeddedChannel} whose clock moves only through {@link #advance(long)}. It prepares fragments in
 * leak-tracked pooled buffers (each its own, in a 2 KiB receive buffer, or all as slices of one receive batch, as
 * recvmmsg delivers them), remembers every root buffer, and on {@link #close()} releases what the property left (unsent
 * fragments, delivered packets), removes the handlers and checks that every input buffer was released.
 *
 * <p>Not a property itself; one per try.
 */
final class Rig implements AutoCloseable {
    /** Leak-tracked at paranoid level (surefire's argLine), so a fragment the reassembler loses is reported. */
    static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** How the fragments of one {@link #prepare} call sit in receive buffers. */
    enum Buffers {
        /** Each fragment in a buffer of exactly its size. */
        OWN,
        /** Each fragment in a 2 KiB (or larger) buffer, as a NIC receive ring has them. */
        NIC,
        /** All fragments as slices of one buffer, as a recvmmsg batch: each slice pins the whole batch. */
        BATCH
    }

    /** A fragment to prepare: a range of a datagram, optionally with different data ({@code xor != 0}). */
    record Spec(TestDatagram datagram, int offset, int length, boolean more, int xor) {
        Spec(TestDatagram datagram, io.netfrag.testkit.Fragmenter.Piece piece) {
            this(datagram, piece.offset(), piece.length(), piece.more(), 0);
        }
    }

    final EmbeddedChannel channel;
    final Ipv6FragmentReassembler v6;
    final Ipv4FragmentReassembler v4;
    private final List<ByteBuf> roots = new ArrayList<>();
    private final List<ByteBuf> unsent = new ArrayList<>();
    private final List<IpPacket> delivered = new ArrayList<>();
    private boolean closed;

    /**
     * Default timeouts with 64 MiB of memory: a single datagram never meets the limits, even in batch slices that each
     * pin the whole batch.
     */
    static Rig withRoom(CoalescePolicy policy) {
        long high = 64L << 20;
        long low = 48L << 20;
        return new Rig(policy,
                ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT).withThresholds(high, low),
                ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT).withThresholds(high, low));
    }

    /** Overlap policy DROP, Linux {@code ipfrag_max_dist}, ICMP errors counted and discarded. */
    Rig(CoalescePolicy policy, ReassemblyLimits v6Limits, ReassemblyLimits v4Limits) {
        v6 = new Ipv6FragmentReassembler(policy, v6Limits, IcmpErrorSink.DISCARD);
        v4 = new Ipv4FragmentReassembler(policy, v4Limits, IcmpErrorSink.DISCARD, OverlapPolicy.DROP,
                Ipv4FragmentReassembler.DEFAULT_MAX_DIST);
        channel = new EmbeddedChannel(new IpPacketDecoder(), v6, v4);
        channel.freezeTime();
    }

    /** The reassembler of an IP version. */
    AbstractReassembler<?> reassembler(int version) {
        return version == 6 ? v6 : v4;
    }

    long pinnedBytes() {
        return v6.pinnedBytes() + v4.pinnedBytes();
    }

    int queueCount() {
        return v6.queueCount() + v4.queueCount();
    }

    /**
     * Builds fragments into receive buffers; the rig owns them until {@link #send(ByteBuf)}.
     *
     * @return the fragments, in the order of {@code specs}
     */
    List<ByteBuf> prepare(List<Spec> specs, Buffers buffers) {
        List<ByteBuf> out = new ArrayList<>(specs.size());
        if (buffers == Buffers.BATCH) {
            int total = 0;
            for (Spec s : specs) {
                total += s.datagram().fragmentSize(s.offset(), s.length());
            }
            ByteBuf batch = ALLOC.buffer(total);
            roots.add(batch);
            try {
                for (Spec s : specs) {
                    int start = batch.writerIndex();
                    s.datagram().writeFragment(batch, s.offset(), s.length(), s.more(), s.xor());
                    ByteBuf slice = batch.retainedSlice(start, batch.writerIndex() - start);
                    unsent.add(slice);
                    out.add(slice);
                }
            } finally {
                batch.release(); // the slices keep it alive
            }
            return out;
        }
        for (Spec s : specs) {
            int size = s.datagram().fragmentSize(s.offset(), s.length());
            ByteBuf b = ALLOC.buffer(buffers == Buffers.NIC ? Math.max(2048, size) : size);
            roots.add(b);
            unsent.add(b);
            out.add(b);
            s.datagram().writeFragment(b, s.offset(), s.length(), s.more(), s.xor());
        }
        return out;
    }

    /** Writes one prepared fragment; ownership goes to the pipeline. */
    void send(ByteBuf fragment) {
        if (!unsent.remove(fragment)) {
            throw new IllegalStateException("not a prepared, unsent fragment");
        }
        channel.writeInbound(fragment);
    }

    /** Reads what the pipeline delivered since the last call; the rig releases the packets on close. */
    List<IpPacket> deliveries() {
        List<IpPacket> now = new ArrayList<>();
        for (Object m; (m = channel.readInbound()) != null;) {
            IpPacket p = (IpPacket) m;
            delivered.add(p);
            now.add(p);
        }
        return now;
    }

    /** Moves the channel's clock and runs the timers that became due. */
    void advance(long nanos) {
        channel.advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    /**
     * Releases what is left (unsent fragments, delivered packets, queues by handler removal) and checks that every
     * input buffer was released and that nothing else was left in the channel.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ByteBuf b : unsent) {
            b.release();
        }
        unsent.clear();
        deliveries();
        for (IpPacket p : delivered) {
            if (p.refCnt() > 0) {
                p.release();
            }
        }
        boolean left = channel.finishAndReleaseAll();
        assertFalse(left, "messages left in the channel");
        assertEquals(0, pinnedBytes(), "pinned bytes after handler removal");
        for (int i = 0; i < roots.size(); i++) {
            assertEquals(0, roots.get(i).refCnt(), "input buffer " + i + " of " + roots.size() + " not released");
        }
    }
}
