package io.netfrag.ipv4;

import io.netfrag.packet.IcmpError;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.reassembly.AbstractReassembler;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.FragmentQueue;
import io.netfrag.reassembly.InsertResult;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.reassembly.ReassemblyTable;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.wire.EcnCombiner;
import io.netfrag.wire.Ipv4Header;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;

/**
 * Reassembles IPv4 fragments (RFC 791, RFC 815) with the behaviour of Linux {@code net/ipv4/ip_fragment.c}, on the
 * same core as the IPv6 reassembler.
 *
 * <ul>
 *   <li>Key: source, destination, identification, protocol (and the ingress index).
 *   <li>The header checksum, IHL and total length are verified by {@code IpPacketDecoder} before a fragment gets
 *       here.
 *   <li>A non-last fragment whose end is not a multiple of 8 is cut down to one, as Linux does.
 *   <li>Zero-length fragments, conflicting last fragments and data beyond a known end discard the datagram; overlaps
 *       discard it and count ReasmOverlaps (Linux since 4.19); a fragment inside one run of received data is a
 *       duplicate.
 *   <li>The reassembled header is the first fragment's (options included) with total length, flags/offset and
 *       checksum rewritten; DF is set only if the largest fragment carried DF; ECN combined as RFC 3168 §5.3; more
 *       than 65535 bytes drops the datagram.
 *   <li>Queues time out 30 s (default) after creation; ICMP Time Exceeded (code 1) only if the first fragment had
 *       arrived, through the {@link IcmpErrorSink}.
 * </ul>
 *
 * <p>Reads {@link IpPacket}s; non-IPv4 packets and non-fragments pass through. Each fragment read is owned by this
 * handler. Not sharable.
 */
public class Ipv4FragmentReassembler extends AbstractReassembler<Ipv4FragmentKey> {
    /** Default timeout: 30 s (Linux {@code ipfrag_time}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Largest IPv4 datagram. */
    public static final int MAX_DATAGRAM = 65535;
    /** Most bytes of the invoking packet an ICMPv4 error carries in Linux (576 − 20 − 8). */
    public static final int ICMP_QUOTE_LIMIT = 548;
    /**
     * Largest fragment end the core can be asked to hold: offsets reach 65528 and a fragment may carry up to 65515
     * bytes. Like Linux, such datagrams are queued and rejected when complete.
     */
    private static final int MAX_FRAGMENT_END = 65528 + 65535;

    private final Ipv4FragmentKey lookup = new Ipv4FragmentKey();

    /** {@link CoalescePolicy#ADAPTIVE}, Linux limits, 30 s timeout, ICMP errors fired as user events. */
    public Ipv4FragmentReassembler() {
        this(CoalescePolicy.ADAPTIVE);
    }

    /** The given policy with Linux limits, 30 s timeout, ICMP errors fired as user events. */
    public Ipv4FragmentReassembler(CoalescePolicy policy) {
        this(policy, ReassemblyLimits.defaults(DEFAULT_TIMEOUT), IcmpErrorSink.FIRE_USER_EVENT);
    }

    /**
     * Creates a reassembler.
     *
     * @param policy how fragment data is coalesced
     * @param limits memory thresholds, timeout and component budget
     * @param icmpSink where ICMP errors go
     */
    public Ipv4FragmentReassembler(CoalescePolicy policy, ReassemblyLimits limits, IcmpErrorSink icmpSink) {
        super(policy, limits, MAX_FRAGMENT_END, icmpSink);
    }

    @Override
    protected boolean accepts(IpPacket packet) {
        return packet.version() == 4 && packet.needsReassembly();
    }

    @Override
    protected void reassemble(ChannelHandlerContext ctx, IpPacket packet) {
        counters.increment(MibCounter.REASM_REQDS);
        ByteBuf buf = packet.content();
        int start = buf.readerIndex();
        int headerLength = packet.upperOffset();
        int offset = packet.fragmentOffsetBytes();
        boolean more = packet.moreFragments();
        int end = offset + buf.readableBytes() - headerLength;
        if (more && (end & 7) != 0) {
            end &= ~7; // as Linux ip_frag_queue: a non-last fragment ends on an 8-byte boundary
        }
        lookup.set((int) packet.sourceLow(), (int) packet.destinationLow(), packet.identification(),
                packet.protocol(), packet.ingressIndex());
        int flags = EcnCombiner.bit(packet.ecn());
        if ((packet.flags() & IpPacket.FLAG_DONT_FRAGMENT) != 0) {
            flags |= ReassemblyTable.SIZE_MARK;
        }
        InsertResult result = table.insert(lookup, buf, start + headerLength, offset, Math.max(0, end - offset),
                !more, start, headerLength, flags, packet.forwarding(), 0, nowNanos(), ctx.alloc());
        if (result == InsertResult.COMPLETE) {
            complete(ctx, packet);
        }
    }

    private void complete(ChannelHandlerContext ctx, IpPacket last) {
        FragmentQueue<Ipv4FragmentKey> q = table.completedQueue();
        ByteBuf result = table.takeCompleted();
        int ecn = EcnCombiner.combine(q.flags());
        if (ecn == EcnCombiner.DROP) {
            fail(result, DropReason.ECN_MISMATCH);
            return;
        }
        int headerLength = q.headerLength();
        int total = headerLength + q.length();
        if (total > MAX_DATAGRAM) {
            fail(result, DropReason.REASSEMBLED_TOO_BIG);
            return;
        }
        int start = result.readerIndex();
        result.setShort(start + Ipv4Header.TOTAL_LENGTH_OFFSET, total);
        // as Linux ip_frag_reasm: DF only if the largest fragment carried DF
        boolean df = q.maxMarkedFragmentSize() != 0 && q.maxMarkedFragmentSize() == q.maxFragmentSize();
        result.setShort(start + Ipv4Header.FRAGMENT_FIELD_OFFSET, df ? Ipv4Header.FLAG_DF : 0);
        result.setByte(start + 1, Ipv4Header.tos(result, start) | ecn);
        Ipv4Header.updateChecksum(result, start, headerLength);
        counters.increment(MibCounter.REASM_OKS);
        int flags = IpPacket.FLAG_REASSEMBLED | (q.forwarding() ? IpPacket.FLAG_FORWARDING : 0)
                | (df ? IpPacket.FLAG_DONT_FRAGMENT : 0);
        ctx.fireChannelRead(new IpPacket(result, 4, 0, last.sourceLow(), 0, last.destinationLow(), last.protocol(),
                headerLength, Ipv4Header.tos(result, start), Ipv4Header.ttl(result, start), -1, 0, false,
                last.identification(), flags, last.ingressIndex(),
                Math.max(q.maxFragmentSize(), q.maxMarkedFragmentSize())));
    }

    private void fail(ByteBuf result, DropReason reason) {
        counters.increment(MibCounter.REASM_FAILS);
        counters.drop(reason);
        result.release();
    }

    @Override
    public void expired(FragmentQueue<Ipv4FragmentKey> q) {
        if (!q.firstIn()) {
            return; // as Linux ip_expire: no error unless the first fragment arrived
        }
        ByteBuf quote = alloc().buffer(ICMP_QUOTE_LIMIT);
        boolean ok = false;
        try {
            q.copyHeaderTo(quote);
            q.copyFirstDataTo(quote, Math.max(0, ICMP_QUOTE_LIMIT - quote.readableBytes()));
            quote.writerIndex(Math.min(quote.writerIndex(), ICMP_QUOTE_LIMIT));
            counters.increment(MibCounter.OUT_TIME_EXCDS);
            emitIcmp(new IcmpError(quote, 4, IcmpError.ICMPV4_TIME_EXCEEDED, IcmpError.CODE_REASSEMBLY_TIME_EXCEEDED,
                    0, IpPacket.address(4, 0, q.key().source & 0xffffffffL)));
            ok = true;
        } finally {
            if (!ok) {
                quote.release();
            }
        }
    }
}
