package io.netfrag.packet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.Recycler;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * One IPv4 or IPv6 packet: a reference-counted message that owns one {@link ByteBuf} whose readable bytes are the
 * whole packet, from the first byte of the IP header to the end of the payload, plus the facts parsed from its headers.
 *
 * <p>Offsets are relative to {@code content().readerIndex()}. Addresses are kept as longs (IPv6: high and low 64 bits;
 * IPv4: the 32-bit address in the low half) so the hot path allocates nothing; {@link #sourceAddress()} and
 * {@link #destinationAddress()} build {@link InetAddress}es for the edges.
 *
 * <p>Instances are made by {@link IpPacketDecoder} and by the reassemblers, through a {@link Builder}. Releasing the
 * packet releases its content.
 *
 * <p><b>Pooled.</b> Packet objects are recycled, as Netty recycles its pooled buffers' objects, so that the receive
 * path allocates no object per fragment: a packet returns to its pool when a {@link #release()} frees its content,
 * or when the handler that took its content over calls {@link #releaseWrapper()}. Like a released {@code ByteBuf}, a
 * packet must not be used after that; its fields may by then describe another packet. The object itself is not shared:
 * {@link #retain()} counts references to the content, and whoever holds a retained reference holds the same object.
 */
public final class IpPacket implements ByteBufHolder {
    private static final Recycler<IpPacket> POOL = new Recycler<IpPacket>() {
        @Override
        protected IpPacket newObject(Handle<IpPacket> handle) {
            return new IpPacket(handle);
        }
    };

    private final Recycler.Handle<IpPacket> handle;
    private ByteBuf content;
    /** The parsed facts, kept in a builder of the packet's own (allocated once per pooled object). */
    private final Builder facts = new Builder();

    /** Flag: the destination is not one of ours; the packet is being forwarded (no coalescing, keep geometry). */
    public static final int FLAG_FORWARDING = 1;
    /** Flag: the header chain ran past the end of this (first) fragment: RFC 7112 applies. */
    public static final int FLAG_CHAIN_INCOMPLETE = 2;
    /** Flag: IPv4 DF bit (for a reassembled IPv4 datagram: the largest fragment had DF). */
    public static final int FLAG_DONT_FRAGMENT = 4;
    /** Flag: this packet was reassembled from fragments. */
    public static final int FLAG_REASSEMBLED = 8;

    /** A builder, reusable: its values stay from one {@link Builder#build} to the next until set again. */
    public static Builder builder() {
        return new Builder();
    }

    private IpPacket(Recycler.Handle<IpPacket> handle) {
        this.handle = handle;
    }

    private static IpPacket of(ByteBuf content) {
        if (content == null) {
            throw new NullPointerException("content");
        }
        IpPacket p = POOL.get();
        p.content = content;
        return p;
    }

    private static IpPacket of(ByteBuf content, Builder b) {
        IpPacket p = of(content);
        p.facts.copyFrom(b);
        return p;
    }

    /**
     * The facts of a packet, set one group at a time; {@link #build(ByteBuf)} makes the packet around its buffer. A
     * handler keeps one builder and reuses it for every packet (nothing is allocated but the packet); values stay
     * until set again, {@link #reset()} restores the defaults (not a fragment, nothing reassembled, depth 0).
     */
    public static final class Builder {
        private int version;
        private long sourceHigh;
        private long sourceLow;
        private long destinationHigh;
        private long destinationLow;
        private int protocol;
        private int upperOffset;
        private int trafficClass;
        private int hopLimit;
        private int fragmentHeaderOffset = -1;
        private int fragmentOffsetBytes;
        private boolean moreFragments;
        private int identification;
        private int flags;
        private int ingressIndex;
        private int maxFragmentSize;
        private int depth;

        private Builder() {
        }

        private void copyFrom(Builder b) {
            version = b.version;
            sourceHigh = b.sourceHigh;
            sourceLow = b.sourceLow;
            destinationHigh = b.destinationHigh;
            destinationLow = b.destinationLow;
            protocol = b.protocol;
            upperOffset = b.upperOffset;
            trafficClass = b.trafficClass;
            hopLimit = b.hopLimit;
            fragmentHeaderOffset = b.fragmentHeaderOffset;
            fragmentOffsetBytes = b.fragmentOffsetBytes;
            moreFragments = b.moreFragments;
            identification = b.identification;
            flags = b.flags;
            ingressIndex = b.ingressIndex;
            maxFragmentSize = b.maxFragmentSize;
            depth = b.depth;
        }

        /** Back to the defaults. */
        public Builder reset() {
            version = 0;
            sourceHigh = 0;
            sourceLow = 0;
            destinationHigh = 0;
            destinationLow = 0;
            protocol = 0;
            upperOffset = 0;
            trafficClass = 0;
            hopLimit = 0;
            notFragment();
            flags = 0;
            ingressIndex = 0;
            maxFragmentSize = 0;
            depth = 0;
            return this;
        }

        /**
         * The IP version and addresses: IPv6 as high and low 64 bits; IPv4 with high 0 and the address, unsigned, in
         * the low 32 bits.
         */
        public Builder addresses(int version, long sourceHigh, long sourceLow, long destinationHigh,
                long destinationLow) {
            this.version = version;
            this.sourceHigh = sourceHigh;
            this.sourceLow = sourceLow;
            this.destinationHigh = destinationHigh;
            this.destinationLow = destinationLow;
            return this;
        }

        /**
         * The protocol that ends the header chain (upper layer, ESP, AH, no-next-header) and the offset of its header.
         */
        public Builder upper(int protocol, int upperOffset) {
            this.protocol = protocol;
            this.upperOffset = upperOffset;
            return this;
        }

        /** IPv6 traffic class or IPv4 TOS byte (ECN in the low 2 bits), and hop limit / TTL. */
        public Builder trafficClass(int trafficClass, int hopLimit) {
            this.trafficClass = trafficClass;
            this.hopLimit = hopLimit;
            return this;
        }

        /**
         * A fragment: IPv6, the offset of its Fragment header (IPv4: 0); the fragment offset in bytes, the M / MF
         * flag and the identification (IPv6 32 bits, IPv4 16 bits).
         */
        public Builder fragment(int headerOffset, int offsetBytes, boolean more, int identification) {
            this.fragmentHeaderOffset = headerOffset;
            this.fragmentOffsetBytes = offsetBytes;
            this.moreFragments = more;
            this.identification = identification;
            return this;
        }

        /** Not a fragment (an identification may still be kept, e.g. of a reassembled datagram). */
        public Builder notFragment() {
            fragmentHeaderOffset = -1;
            fragmentOffsetBytes = 0;
            moreFragments = false;
            identification = 0;
            return this;
        }

        /** The identification of a datagram that is not a fragment (a reassembled one keeps its fragments'). */
        public Builder identification(int identification) {
            this.identification = identification;
            return this;
        }

        /** {@code FLAG_*} bits. */
        public Builder flags(int flags) {
            this.flags = flags;
            return this;
        }

        /** The index of the ingress the packet came from (an interface index in Linux terms; 0 when there is one). */
        public Builder ingressIndex(int ingressIndex) {
            this.ingressIndex = ingressIndex;
            return this;
        }

        /** The size of the largest fragment the packet was reassembled from, 0 if it was not. */
        public Builder maxFragmentSize(int maxFragmentSize) {
            this.maxFragmentSize = maxFragmentSize;
            return this;
        }

        /** How many tunnel decapsulations the packet came out of (0 for a packet from the wire). */
        public Builder depth(int depth) {
            this.depth = depth;
            return this;
        }

        /**
         * The packet.
         *
         * @param content the whole packet, from the first byte of the IP header; ownership is transferred to the
         *     packet
         */
        public IpPacket build(ByteBuf content) {
            return of(content, this);
        }
    }

    /** 4 or 6. */
    public int version() {
        return facts.version;
    }

    /** High 64 bits of the IPv6 source; 0 for IPv4. */
    public long sourceHigh() {
        return facts.sourceHigh;
    }

    /** Low 64 bits of the IPv6 source, or the IPv4 source address (unsigned). */
    public long sourceLow() {
        return facts.sourceLow;
    }

    /** High 64 bits of the IPv6 destination; 0 for IPv4. */
    public long destinationHigh() {
        return facts.destinationHigh;
    }

    /** Low 64 bits of the IPv6 destination, or the IPv4 destination address (unsigned). */
    public long destinationLow() {
        return facts.destinationLow;
    }

    /** The protocol that ends the header chain. */
    public int protocol() {
        return facts.protocol;
    }

    /** Offset of the upper-layer header from the start of the packet. */
    public int upperOffset() {
        return facts.upperOffset;
    }

    /** Number of bytes from the upper-layer header to the end of the packet. */
    public int upperLength() {
        return content().readableBytes() - facts.upperOffset;
    }

    /** IPv6 traffic class or IPv4 TOS. */
    public int trafficClass() {
        return facts.trafficClass;
    }

    /** The ECN codepoint (RFC 3168). */
    public int ecn() {
        return facts.trafficClass & 3;
    }

    /** Hop limit or TTL. */
    public int hopLimit() {
        return facts.hopLimit;
    }

    /** Whether this packet is a fragment (IPv6: has a Fragment header; IPv4: MF or offset set). */
    public boolean isFragment() {
        return facts.fragmentHeaderOffset >= 0;
    }

    /** Whether this is a piece of a larger datagram (a fragment other than an atomic fragment, RFC 6946). */
    public boolean needsReassembly() {
        return isFragment() && (facts.fragmentOffsetBytes != 0 || facts.moreFragments);
    }

    /** Offset of the IPv6 Fragment header, or -1. */
    public int fragmentHeaderOffset() {
        return facts.fragmentHeaderOffset;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffsetBytes() {
        return facts.fragmentOffsetBytes;
    }

    /** The M / MF flag. */
    public boolean moreFragments() {
        return facts.moreFragments;
    }

    /** Fragment identification. */
    public int identification() {
        return facts.identification;
    }

    /** {@code FLAG_*} bits. */
    public int flags() {
        return facts.flags;
    }

    /** Whether the packet is forwarded rather than delivered locally. */
    public boolean forwarding() {
        return (facts.flags & FLAG_FORWARDING) != 0;
    }

    /** Whether the packet was reassembled. */
    public boolean reassembled() {
        return (facts.flags & FLAG_REASSEMBLED) != 0;
    }

    /** Index of the ingress the packet came from. */
    public int ingressIndex() {
        return facts.ingressIndex;
    }

    /** Size of the largest fragment of a reassembled packet (to re-fragment identically), else 0. */
    public int maxFragmentSize() {
        return facts.maxFragmentSize;
    }

    /** Number of tunnel decapsulations this packet came out of (0 for a packet from the wire). */
    public int depth() {
        return facts.depth;
    }

    /** The source address (allocates). */
    public InetAddress sourceAddress() {
        return address(facts.version, facts.sourceHigh, facts.sourceLow);
    }

    /** The destination address (allocates). */
    public InetAddress destinationAddress() {
        return address(facts.version, facts.destinationHigh, facts.destinationLow);
    }

    /** Builds an {@link InetAddress} from the long representation used by {@link IpPacket}. */
    public static InetAddress address(int version, long high, long low) {
        byte[] bytes;
        if (version == 4) {
            bytes = new byte[] {(byte) (low >>> 24), (byte) (low >>> 16), (byte) (low >>> 8), (byte) low};
        } else {
            bytes = new byte[16];
            for (int i = 0; i < 8; i++) {
                bytes[i] = (byte) (high >>> (56 - 8 * i));
                bytes[8 + i] = (byte) (low >>> (56 - 8 * i));
            }
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only thrown for illegal lengths
        }
    }

    /**
     * The packet's bytes.
     *
     * @throws io.netty.util.IllegalReferenceCountException if the content was released
     * @throws IllegalStateException if the packet object was given up ({@link #releaseWrapper()} or a release that freed
     *     the content) and not reused since
     */
    @Override
    public ByteBuf content() {
        ByteBuf c = content;
        if (c == null) {
            throw new IllegalStateException("IpPacket used after it was released");
        }
        return ByteBufUtil.ensureAccessible(c);
    }

    /**
     * Gives up this packet object without releasing its content, for a handler that has taken the content over (passed
     * its reference on, for instance into a reassembly queue): the object returns to its pool and must not be used
     * again. Counterpart of {@link #release()}, which releases the content too.
     */
    public void releaseWrapper() {
        recycle();
    }

    private void recycle() {
        content = null;
        handle.recycle(this);
    }

    @Override
    public IpPacket replace(ByteBuf content) {
        return of(content, facts);
    }

    @Override
    public IpPacket copy() {
        return replace(content().copy());
    }

    @Override
    public IpPacket duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public IpPacket retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public int refCnt() {
        ByteBuf c = content;
        return c == null ? 0 : c.refCnt();
    }

    @Override
    public IpPacket retain() {
        content().retain();
        return this;
    }

    @Override
    public IpPacket retain(int increment) {
        content().retain(increment);
        return this;
    }

    @Override
    public IpPacket touch() {
        content().touch();
        return this;
    }

    @Override
    public IpPacket touch(Object hint) {
        content().touch(hint);
        return this;
    }

    /** Releases the content; when that frees it, the packet object returns to its pool. */
    @Override
    public boolean release() {
        boolean freed = content().release();
        if (freed) {
            recycle();
        }
        return freed;
    }

    /** Releases {@code decrement} references to the content; when that frees it, the object returns to its pool. */
    @Override
    public boolean release(int decrement) {
        boolean freed = content().release(decrement);
        if (freed) {
            recycle();
        }
        return freed;
    }

    @Override
    public String toString() {
        if (content == null) {
            return "IpPacket(released)";
        }
        return "IpPacket(v" + facts.version + ' ' + sourceAddress().getHostAddress() + " > "
                + destinationAddress().getHostAddress() + " proto " + facts.protocol + " len "
                + content().readableBytes() + (isFragment() ? " frag off " + facts.fragmentOffsetBytes
                        + (facts.moreFragments ? " M" : "") + " id " + Integer.toUnsignedString(facts.identification)
                        : "")
                + ')';
    }
}
