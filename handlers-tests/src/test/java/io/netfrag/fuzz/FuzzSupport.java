package io.netfrag.fuzz;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.Ipv6HeaderChain;
import io.netfrag.packet.IpPacket;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * What every fuzz target in this package shares: an allocator that remembers every buffer it hands out (so a leak is
 * found on the input that caused it, not minutes later by the garbage collector), a pipeline tail that turns any
 * exception reaching the end of the pipeline into a failure, and consistency checks for {@link IpPacket}s.
 *
 * <p>Nothing here is shared between fuzz inputs: each input builds its own allocator, channel and handlers.
 */
final class FuzzSupport {

    private FuzzSupport() {
    }

    /**
     * An unpooled allocator whose buffers are visible to Netty's leak detector (unlike
     * {@code new UnpooledByteBufAllocator(false, true)}, whose second argument <em>disables</em> leak detection) and
     * are all recorded, so that {@link #assertAllReleased(String)} can prove that every one of them went back to
     * reference count 0. Composite buffers are recorded too. One instance per fuzz input.
     */
    static final class TrackingAllocator extends AbstractByteBufAllocator {
        private final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return toLeakAwareBuffer(b);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return toLeakAwareBuffer(b);
        }

        @Override
        public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
            CompositeByteBuf c = new CompositeByteBuf(this, false, maxNumComponents);
            allocated.add(c);
            return toLeakAwareBuffer(c);
        }

        @Override
        public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
            CompositeByteBuf c = new CompositeByteBuf(this, true, maxNumComponents);
            allocated.add(c);
            return toLeakAwareBuffer(c);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        /** Number of buffers handed out so far. */
        int count() {
            return allocated.size();
        }

        /** Fails if any buffer handed out is still referenced. */
        void assertAllReleased(String when) {
            for (int i = 0; i < allocated.size(); i++) {
                ByteBuf b = allocated.get(i);
                if (b.refCnt() != 0) {
                    throw new AssertionError("leak " + when + ": buffer #" + i + " of " + allocated.size()
                            + " still has refCnt " + b.refCnt() + ": " + b);
                }
            }
        }
    }

    /**
     * The last handler of every fuzz pipeline: any exception that reaches it is a finding (handlers must drop bad
     * packets, never throw). User events that are reference counted (ICMP errors fired as events) are released.
     */
    static final class FailOnException extends ChannelInboundHandlerAdapter {
        private Throwable failure;

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (failure == null) {
                failure = cause;
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ReferenceCountUtil.release(evt);
        }

        /** Rethrows the first exception seen, as an {@link AssertionError} with it as the cause. */
        void check(EmbeddedChannel ch) {
            if (failure != null) {
                throw new AssertionError("exception escaped a handler: " + failure, failure);
            }
            ch.checkException();
        }
    }

    /**
     * A channel with {@code alloc} as its allocator, time frozen (so a run is reproducible and only
     * {@code advanceTimeBy} moves the clock), {@code handlers} and then {@code tail}.
     */
    static EmbeddedChannel channel(TrackingAllocator alloc, FailOnException tail, ChannelHandler... handlers) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.freezeTime();
        ch.pipeline().addLast(handlers);
        ch.pipeline().addLast(tail);
        return ch;
    }

    private static final boolean VERBOSE = Boolean.getBoolean("netfrag.fuzz.verbose");

    /** Prints what an input did when {@code -Dnetfrag.fuzz.verbose=true} (to check that seeds reach deep code). */
    static void verbose(String what) {
        if (VERBOSE) {
            System.out.println("[fuzz] " + what);
        }
    }

    /** Fails unless {@code cond}. */
    static void check(boolean cond, String message) {
        if (!cond) {
            throw new AssertionError(message);
        }
    }

    /**
     * Checks that an {@link IpPacket} leaving a handler is consistent: the IP length fields equal the readable bytes,
     * the IPv4 header checksum verifies, the upper-layer offset is inside the packet and, for IPv6, agrees with a
     * fresh walk of the header chain; a reassembled packet is no longer a fragment.
     *
     * @param p borrowed
     */
    static void checkIpPacket(IpPacket p) {
        ByteBuf b = p.content();
        int start = b.readerIndex();
        int readable = b.readableBytes();
        check(p.upperOffset() >= 0 && p.upperOffset() <= readable, "upper offset " + p.upperOffset()
                + " outside packet of " + readable + " bytes: " + p);
        if (p.version() == 6) {
            check(readable >= Ipv6Header.LENGTH, "IPv6 packet shorter than its header: " + p);
            check(Ipv6Header.version(b, start) == 6, "version nibble is not 6: " + p);
            check(Ipv6Header.LENGTH + Ipv6Header.payloadLength(b, start) == readable,
                    "IPv6 payload length " + Ipv6Header.payloadLength(b, start) + " but " + readable
                            + " bytes readable: " + p);
            Ipv6HeaderChain chain = new Ipv6HeaderChain();
            Ipv6HeaderChain.Status status = chain.walk(b, start, b.writerIndex());
            check(chain.upperProtocol() == p.protocol() && chain.upperIndex() - start == p.upperOffset(),
                    "IPv6 chain says protocol " + chain.upperProtocol() + " at " + (chain.upperIndex() - start)
                            + ", packet says " + p.protocol() + " at " + p.upperOffset() + ": " + p);
            if (status != Ipv6HeaderChain.Status.OK) {
                // only a fragment whose chain runs past its end after the Fragment header may leave the decoder so
                // (RFC 7112, judged by the reassembler; an atomic fragment passes the reassembler as it is)
                check(p.isFragment() && !p.reassembled() && (p.flags() & IpPacket.FLAG_CHAIN_INCOMPLETE) != 0,
                        "IPv6 chain " + status + " in a packet that left a handler: " + p);
            }
            check(Ipv6Header.sourceHigh(b, start) == p.sourceHigh() && Ipv6Header.sourceLow(b, start) == p.sourceLow()
                    && Ipv6Header.destinationHigh(b, start) == p.destinationHigh()
                    && Ipv6Header.destinationLow(b, start) == p.destinationLow(), "IPv6 addresses differ: " + p);
        } else {
            check(p.version() == 4, "version " + p.version());
            check(readable >= Ipv4Header.MIN_LENGTH, "IPv4 packet shorter than a header: " + p);
            check(Ipv4Header.version(b, start) == 4, "version nibble is not 4: " + p);
            int ihl = Ipv4Header.headerLength(b, start);
            check(ihl >= Ipv4Header.MIN_LENGTH && ihl <= readable, "bad IHL " + ihl + ": " + p);
            check(Ipv4Header.totalLength(b, start) == readable, "IPv4 total length "
                    + Ipv4Header.totalLength(b, start) + " but " + readable + " bytes readable: " + p);
            check(referenceChecksum(b, start, ihl, 0) == 0xffff, "IPv4 header checksum does not verify: " + p);
            check(p.upperOffset() == ihl, "upper offset " + p.upperOffset() + " != IHL " + ihl + ": " + p);
            check(p.protocol() == Ipv4Header.protocol(b, start), "protocol differs from header: " + p);
            check((Ipv4Header.source(b, start) & 0xffffffffL) == p.sourceLow()
                    && (Ipv4Header.destination(b, start) & 0xffffffffL) == p.destinationLow(),
                    "IPv4 addresses differ: " + p);
            if (!p.needsReassembly()) {
                check(Ipv4Header.offsetBytes(b, start) == 0 && !Ipv4Header.moreFragments(b, start),
                        "packet that needs no reassembly has offset/MF in its header: " + p);
            }
        }
        if (p.reassembled()) {
            check(!p.isFragment() && !p.needsReassembly(), "reassembled packet is still a fragment: " + p);
        }
        p.toString(); // must not throw for any packet
    }

    /**
     * A deliberately naive RFC 1071 sum (byte by byte, no NIO, no folding tricks) to check the real one against.
     *
     * @return the folded, not complemented, 16-bit sum of {@code initial} and the bytes
     */
    static int referenceChecksum(ByteBuf b, int index, int length, long initial) {
        long sum = initial;
        for (int i = 0; i < length; i++) {
            int v = b.getUnsignedByte(index + i);
            sum += (i & 1) == 0 ? v << 8 : v;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The same naive sum over an array. */
    static int referenceChecksum(byte[] b, int index, int length, long initial) {
        long sum = initial;
        for (int i = 0; i < length; i++) {
            int v = b[index + i] & 0xff;
            sum += (i & 1) == 0 ? v << 8 : v;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The protocol numbers fuzz targets pick next headers from: extension headers, ESP, UDP and a few others. */
    static final int[] PROTOCOLS = {IpProtocols.UDP, IpProtocols.UDP, IpProtocols.TCP, IpProtocols.ICMPV6,
        IpProtocols.HOP_BY_HOP, IpProtocols.ROUTING, IpProtocols.FRAGMENT, IpProtocols.DESTINATION_OPTIONS,
        IpProtocols.ESP, IpProtocols.AH, IpProtocols.NO_NEXT_HEADER, IpProtocols.MOBILITY, IpProtocols.HIP,
        IpProtocols.SHIM6, IpProtocols.IPV4, IpProtocols.IPV6, 255};
}
