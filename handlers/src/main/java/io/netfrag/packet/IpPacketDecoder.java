package io.netfrag.packet;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.Ipv6HeaderChain;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

/**
 * Turns raw IP packets into {@link IpPacket}s. Accepts a {@link DatagramPacket} whose content is one raw IPv4 or IPv6
 * packet (IP-in-UDP, FOU/GUE-variant-1 style: the version nibble tells the family) or a raw {@link ByteBuf}; any other
 * message passes through untouched.
 *
 * <p>A read may hold several IP packets back to back: a UDP GRO aggregate that reached the pipeline unsplit (Netty
 * 4.2.18's epoll transport does this whenever recvmmsg and {@code UDP_GRO} are both on, see below). The read is split
 * by the packets' own lengths and every packet is decoded on its own; a whole packet is never trimmed away as padding.
 * The bytes after the last packet that are not another IP packet — link-layer padding, or a truncated tail — are
 * trimmed, as Linux {@code pskb_trim_rcsum} does, and counted ({@link MibCounter#IN_TRAILING_PKTS},
 * {@link MibCounter#IN_TRAILING_OCTETS}). What follows a packet is taken for another packet when it starts with a
 * whole IPv4 header whose checksum holds, or a whole IPv6 header, and the length that header states fits in what is
 * left; reads that were split are counted in {@link MibCounter#IN_MULTI_PACKET_READS}.
 *
 * <p>Why the split lives here: with {@code UDP_GRO} the kernel hands a run of same-sized datagrams to one read and
 * reports their size in a control message, which Netty turns into one {@code DatagramPacket} per datagram. Netty
 * 4.2.18's {@code recvmmsg} path passes no control buffer (netty/netty#17492, fixed upstream after 4.2.18), so the
 * size is lost and the run arrives as one {@code DatagramPacket}. Splitting by IP lengths, rather than refusing the
 * combination, keeps every ingress configuration correct whatever the Netty release hands over, needs no version
 * check, and costs one comparison per read that holds one packet; it also covers any other source of back-to-back
 * packets. {@code NettyEpollGroDefectTest} detects the defect in the Netty release in use.
 *
 * <p>Validation follows Linux {@code ipv6_rcv} and {@code ip_rcv_core}: version, header lengths, payload/total length
 * against the buffer, the IPv4 header checksum, multicast sources, and the IPv6 extension-header chain. A bad packet
 * is released and counted under a {@link DropReason}; nothing is thrown per packet.
 *
 * <p>Messages read are owned by this handler: a decoded packet's content is the same buffer (no copy), a dropped
 * packet is released. Not sharable: one instance per channel.
 */
public class IpPacketDecoder extends ChannelInboundHandlerAdapter {
    private final LocalAddresses localAddresses;
    private final int ingressIndex;
    private final Counters counters = new Counters();
    private final Ipv6HeaderChain chain = new Ipv6HeaderChain();
    private final IpPacket.Builder packet = IpPacket.builder();
    private int depth;

    /** A decoder for which every destination is local, ingress index 0. */
    public IpPacketDecoder() {
        this(LocalAddresses.ALL, 0);
    }

    /**
     * Creates a decoder.
     *
     * @param localAddresses which destinations are delivered locally (others are marked forwarding)
     * @param ingressIndex the ingress index stamped on every packet (an interface index in Linux terms)
     */
    public IpPacketDecoder(LocalAddresses localAddresses, int ingressIndex) {
        this.localAddresses = checkNotNull(localAddresses, "localAddresses");
        this.ingressIndex = ingressIndex;
    }

    /** Counters of this decoder. */
    public CounterSnapshot stats() {
        return counters.snapshot();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf;
        if (msg instanceof DatagramPacket) {
            buf = ((DatagramPacket) msg).content();
        } else if (msg instanceof ByteBuf) {
            buf = (ByteBuf) msg;
        } else {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean split = false;
        for (;;) {
            ByteBuf next = splitFollowing(buf);
            if (next != null && !split) {
                split = true;
                counters.increment(MibCounter.IN_MULTI_PACKET_READS);
            }
            IpPacket packet = decode(buf);
            if (packet != null) {
                ctx.fireChannelRead(packet);
            }
            if (next == null) {
                return;
            }
            buf = next;
        }
    }

    /**
     * When the packet at {@code buf}'s reader index is followed by another IP packet, cuts {@code buf} after the first
     * packet and returns the rest.
     *
     * @param buf a read (borrowed; its writer index moves to the end of the first packet when it is split)
     * @return the bytes after the first packet as a retained slice (ownership is transferred to the caller), or
     *     {@code null} when nothing that looks like an IP packet follows
     */
    private ByteBuf splitFollowing(ByteBuf buf) {
        int start = buf.readerIndex();
        int readable = buf.readableBytes();
        int length = statedLength(buf, start, readable);
        if (length <= 0 || length >= readable) {
            return null;
        }
        int rest = readable - length;
        int next = start + length;
        int nextLength = statedLength(buf, next, rest);
        if (nextLength <= 0 || nextLength > rest || buf.getUnsignedByte(next) >>> 4 == 4
                && !Ipv4Header.checksumValid(buf, next, Ipv4Header.headerLength(buf, next))) {
            return null;
        }
        ByteBuf tail = buf.retainedSlice(next, rest);
        buf.writerIndex(next);
        return tail;
    }

    /**
     * The length the IP header at {@code index} states for its packet, or -1 when fewer than a base header's bytes are
     * there, the version is neither 4 nor 6, or an IPv4 header's lengths are inconsistent.
     */
    private static int statedLength(ByteBuf buf, int index, int available) {
        if (available <= 0) {
            return -1;
        }
        int version = buf.getUnsignedByte(index) >>> 4;
        if (version == 6) {
            return available < Ipv6Header.LENGTH ? -1 : Ipv6Header.LENGTH + Ipv6Header.payloadLength(buf, index);
        }
        if (version == 4 && available >= Ipv4Header.MIN_LENGTH) {
            int headerLength = Ipv4Header.headerLength(buf, index);
            int total = Ipv4Header.totalLength(buf, index);
            return headerLength < Ipv4Header.MIN_LENGTH || headerLength > available || total < headerLength ? -1
                    : total;
        }
        return -1;
    }

    /**
     * Decodes one raw packet.
     *
     * @param buf the packet from its reader index; ownership is transferred: it becomes the packet's content, or is
     *     released when dropped
     * @return the packet, or {@code null} if it was dropped (and counted)
     */
    public IpPacket decode(ByteBuf buf) {
        return decode(buf, 0);
    }

    /**
     * Decodes one raw packet that came out of {@code depth} tunnel decapsulations.
     *
     * @param buf the packet from its reader index; ownership is transferred: it becomes the packet's content, or is
     *     released when dropped
     * @return the packet, or {@code null} if it was dropped (and counted)
     */
    public IpPacket decode(ByteBuf buf, int depth) {
        this.depth = depth;
        counters.increment(MibCounter.IN_RECEIVES);
        DropReason reason;
        if (!buf.isReadable()) {
            reason = DropReason.TRUNCATED_HEADER;
        } else {
            int version = buf.getUnsignedByte(buf.readerIndex()) >>> 4;
            if (version == 6) {
                IpPacket p = decodeIpv6(buf);
                if (p != null) {
                    return p;
                }
                return null;
            } else if (version == 4) {
                return decodeIpv4(buf);
            }
            reason = DropReason.BAD_VERSION;
        }
        return drop(buf, reason);
    }

    private IpPacket drop(ByteBuf buf, DropReason reason) {
        counters.drop(reason);
        counters.increment(reason == DropReason.TRUNCATED_PACKET ? MibCounter.IN_TRUNCATED_PKTS
                : MibCounter.IN_HDR_ERRORS);
        if (reason == DropReason.BAD_HEADER_CHECKSUM) {
            counters.increment(MibCounter.IN_CSUM_ERRORS);
        }
        buf.release();
        return null;
    }

    /** Ends {@code buf} at {@code end}, counting what is trimmed. */
    private void trim(ByteBuf buf, int end) {
        int trailing = buf.writerIndex() - end;
        if (trailing > 0) {
            counters.increment(MibCounter.IN_TRAILING_PKTS);
            counters.add(MibCounter.IN_TRAILING_OCTETS, trailing);
            buf.writerIndex(end);
        }
    }

    private IpPacket decodeIpv6(ByteBuf buf) {
        int start = buf.readerIndex();
        if (!Ipv6Header.fits(buf, start)) {
            return drop(buf, DropReason.TRUNCATED_HEADER);
        }
        int payloadLength = Ipv6Header.payloadLength(buf, start);
        int nextHeader = Ipv6Header.nextHeader(buf, start);
        if (payloadLength == 0 && nextHeader == IpProtocols.HOP_BY_HOP) {
            // Linux accepts jumbograms only with the Jumbo Payload option on GSO paths; a reassembler never sees one.
            return drop(buf, DropReason.JUMBOGRAM);
        }
        if (Ipv6Header.LENGTH + payloadLength > buf.readableBytes()) {
            return drop(buf, DropReason.TRUNCATED_PACKET);
        }
        // as Linux ipv6_rcv → pskb_trim_rcsum: link-layer padding beyond the payload length is not part of the packet
        trim(buf, start + Ipv6Header.LENGTH + payloadLength);
        long srcHigh = Ipv6Header.sourceHigh(buf, start);
        if ((srcHigh >>> 56) == 0xff) {
            return drop(buf, DropReason.BAD_SOURCE_ADDRESS); // RFC 4291 §2.7
        }
        Ipv6HeaderChain.Status status = chain.walk(buf, start, buf.writerIndex());
        int flags = 0;
        int fragmentIndex = chain.fragmentIndex();
        if (status == Ipv6HeaderChain.Status.TRUNCATED && fragmentIndex >= 0
                && chain.upperIndex() > fragmentIndex) {
            // The chain ran out after the Fragment header of a first fragment: RFC 7112, judged by the reassembler.
            flags |= IpPacket.FLAG_CHAIN_INCOMPLETE;
        } else if (status != Ipv6HeaderChain.Status.OK) {
            return drop(buf, DropReason.BAD_EXTENSION_HEADER);
        }
        long dstHigh = Ipv6Header.destinationHigh(buf, start);
        long dstLow = Ipv6Header.destinationLow(buf, start);
        if (!localAddresses.isLocal(6, dstHigh, dstLow)) {
            flags |= IpPacket.FLAG_FORWARDING;
        }
        int fragmentOffset = 0;
        boolean more = false;
        int id = 0;
        if (fragmentIndex >= 0) {
            fragmentOffset = Ipv6FragmentHeader.offsetBytes(buf, fragmentIndex);
            more = Ipv6FragmentHeader.moreFragments(buf, fragmentIndex);
            id = Ipv6FragmentHeader.identification(buf, fragmentIndex);
        }
        return packet.addresses(6, srcHigh, Ipv6Header.sourceLow(buf, start), dstHigh, dstLow)
                .upper(chain.upperProtocol(), chain.upperIndex() - start)
                .trafficClass(Ipv6Header.trafficClass(buf, start), Ipv6Header.hopLimit(buf, start))
                .fragment(fragmentIndex < 0 ? -1 : fragmentIndex - start, fragmentOffset, more, id).flags(flags)
                .ingressIndex(ingressIndex).maxFragmentSize(0).depth(depth).build(buf);
    }

    private IpPacket decodeIpv4(ByteBuf buf) {
        int start = buf.readerIndex();
        if (!Ipv4Header.fits(buf, start)) {
            return drop(buf, DropReason.TRUNCATED_HEADER);
        }
        int headerLength = Ipv4Header.headerLength(buf, start);
        if (headerLength < Ipv4Header.MIN_LENGTH) {
            return drop(buf, DropReason.BAD_HEADER_LENGTH);
        }
        if (headerLength > buf.readableBytes()) {
            return drop(buf, DropReason.TRUNCATED_HEADER);
        }
        if (!Ipv4Header.checksumValid(buf, start, headerLength)) {
            return drop(buf, DropReason.BAD_HEADER_CHECKSUM);
        }
        int totalLength = Ipv4Header.totalLength(buf, start);
        if (totalLength > buf.readableBytes()) {
            return drop(buf, DropReason.TRUNCATED_PACKET);
        }
        if (totalLength < headerLength) {
            return drop(buf, DropReason.BAD_HEADER_LENGTH);
        }
        trim(buf, start + totalLength); // as Linux ip_rcv_core → pskb_trim_rcsum
        int src = Ipv4Header.source(buf, start);
        int dst = Ipv4Header.destination(buf, start);
        if ((src >>> 28) == 0xe) {
            return drop(buf, DropReason.BAD_SOURCE_ADDRESS); // multicast source
        }
        int flags = 0;
        if (!localAddresses.isLocal(4, 0, dst & 0xffffffffL)) {
            flags |= IpPacket.FLAG_FORWARDING;
        }
        if (Ipv4Header.dontFragment(buf, start)) {
            flags |= IpPacket.FLAG_DONT_FRAGMENT;
        }
        int fragmentOffset = Ipv4Header.offsetBytes(buf, start);
        boolean more = Ipv4Header.moreFragments(buf, start);
        boolean fragment = more || fragmentOffset != 0;
        return packet.addresses(4, 0, src & 0xffffffffL, 0, dst & 0xffffffffL)
                .upper(Ipv4Header.protocol(buf, start), headerLength)
                .trafficClass(Ipv4Header.tos(buf, start), Ipv4Header.ttl(buf, start))
                .fragment(fragment ? 0 : -1, fragmentOffset, more, Ipv4Header.identification(buf, start)).flags(flags)
                .ingressIndex(ingressIndex).maxFragmentSize(0).depth(depth).build(buf);
    }
}
