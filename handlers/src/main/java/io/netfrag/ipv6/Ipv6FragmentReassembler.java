package io.netfrag.ipv6;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.internal.reassembly.Fragment;
import io.netfrag.internal.reassembly.FragmentQueue;
import io.netfrag.internal.reassembly.InsertResult;
import io.netfrag.internal.wire.EcnCombiner;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.Ipv6HeaderChain;
import io.netfrag.packet.IcmpError;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;

/**
 * Reassembles IPv6 fragments (RFC 8200 §4.5) with the behaviour of Linux {@code net/ipv6/reassembly.c}.
 *
 * <ul>
 *   <li>Key: source, destination, identification; plus the ingress index for link-local or multicast destinations.
 *   <li>A non-last fragment whose length is not a multiple of 8: ICMPv6 Parameter Problem (code 0, pointer 4), drop.
 *       A fragment ending beyond 65535: Parameter Problem pointing at the fragment offset, drop. Both count
 *       InHdrErrors.
 *   <li>A first fragment without the whole header chain through the upper-layer header: Parameter Problem code 3
 *       (RFC 7112), InHdrErrors, drop.
 *   <li>Atomic fragments (offset 0, M clear) bypass the queues (RFC 6946) and count ReasmReqds and ReasmOKs.
 *   <li>Overlaps discard the datagram and count ReasmOverlaps (RFC 5722); a fragment inside one run of received data
 *       is a duplicate; zero-length fragments, conflicting ends and data beyond the end discard the datagram. For
 *       analysis, a target-based {@link OverlapPolicy} can be chosen for forwarded datagrams and, by explicit opt-in,
 *       for locally delivered ones.
 *   <li>The reassembled packet is the first fragment's unfragmentable part followed by the payload, Fragment header
 *       removed, next header and payload length fixed; ECN combined as RFC 3168 §5.3. It continues as an
 *       {@link IpPacket} with {@link IpPacket#FLAG_REASSEMBLED}.
 *   <li>Queues time out 60 s (default) after creation; ICMPv6 Time Exceeded code 1 only if the first fragment had
 *       arrived. ICMP errors go to the {@link IcmpErrorSink}; nothing is sent.
 * </ul>
 *
 * <p>Reads {@link IpPacket}s; non-IPv6 packets and non-fragments pass through. Each fragment read is owned by this
 * handler: held, coalesced and released, or dropped and released. Not sharable.
 */
public class Ipv6FragmentReassembler extends AbstractReassembler<Ipv6FragmentKey> {
    /** Default timeout: 60 s (RFC 8200 §4.5, Linux {@code ip6frag_time}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** Largest IPv6 payload without jumbograms. */
    public static final int MAX_PAYLOAD = Ipv6Header.MAX_PAYLOAD_LENGTH;
    /** Most bytes of the invoking packet an ICMPv6 error carries (1280 − 40 − 8). */
    public static final int ICMP_QUOTE_LIMIT = 1232;

    private final Ipv6FragmentKey lookup = new Ipv6FragmentKey();
    private final Fragment fragment = new Fragment();
    private final IpPacket.Builder packet = IpPacket.builder();
    private final Ipv6HeaderChain chain = new Ipv6HeaderChain();
    private final OverlapPolicy forwardedOverlapPolicy;
    private final OverlapPolicy localOverlapPolicy;

    /** {@link CoalescePolicy#ADAPTIVE}, Linux limits, 60 s timeout, ICMP errors fired as user events. */
    public Ipv6FragmentReassembler() {
        this(CoalescePolicy.ADAPTIVE);
    }

    /** The given policy with Linux limits, 60 s timeout, ICMP errors fired as user events. */
    public Ipv6FragmentReassembler(CoalescePolicy policy) {
        this(policy, ReassemblyLimits.defaults(DEFAULT_TIMEOUT), IcmpErrorSink.FIRE_USER_EVENT);
    }

    /**
     * Creates a reassembler.
     *
     * @param policy how fragment data is coalesced
     * @param limits memory thresholds, timeout and component budget
     * @param icmpSink where ICMPv6 errors go
     */
    public Ipv6FragmentReassembler(CoalescePolicy policy, ReassemblyLimits limits, IcmpErrorSink icmpSink) {
        this(policy, limits, icmpSink, OverlapPolicy.DROP, OverlapPolicy.DROP);
    }

    /**
     * Creates a reassembler with target-based overlap handling for analysis.
     *
     * @param policy how fragment data is coalesced (target-based overlap policies always copy)
     * @param limits memory thresholds, timeout and component budget
     * @param icmpSink where ICMPv6 errors go
     * @param forwardedOverlapPolicy overlap policy for forwarded datagrams
     * @param localOverlapPolicy overlap policy for locally delivered datagrams: anything but {@link OverlapPolicy#DROP}
     *     is an explicit opt-in that breaks RFC 5722 for a host; meant for analysers replaying captures
     */
    public Ipv6FragmentReassembler(CoalescePolicy policy, ReassemblyLimits limits, IcmpErrorSink icmpSink,
            OverlapPolicy forwardedOverlapPolicy, OverlapPolicy localOverlapPolicy) {
        super(policy, limits, MAX_PAYLOAD, icmpSink);
        this.forwardedOverlapPolicy = checkNotNull(forwardedOverlapPolicy, "forwardedOverlapPolicy");
        this.localOverlapPolicy = checkNotNull(localOverlapPolicy, "localOverlapPolicy");
    }

    @Override
    protected boolean accepts(IpPacket packet) {
        return packet.version() == 6 && packet.isFragment();
    }

    @Override
    protected void reassemble(ChannelHandlerContext ctx, IpPacket packet) {
        counters.increment(MibCounter.REASM_REQDS);
        ByteBuf buf = packet.content();
        int start = buf.readerIndex();
        int fragmentHeaderOffset = packet.fragmentHeaderOffset();
        int offset = packet.fragmentOffsetBytes();
        boolean more = packet.moreFragments();

        if (offset == 0 && !more) {
            // RFC 6946: an atomic fragment is not a fragment; it never meets a queue.
            counters.increment(MibCounter.REASM_OKS);
            ctx.fireChannelRead(packet);
            return;
        }
        if (offset == 0 && incompleteChain(packet)) {
            // RFC 8200 §4.5 / RFC 7112, as Linux ipv6frag_thdr_truncated
            parameterProblem(packet, IcmpError.CODE_INCOMPLETE_HEADER_CHAIN, 0, DropReason.INCOMPLETE_HEADER_CHAIN);
            return;
        }
        int dataIndex = start + fragmentHeaderOffset + Ipv6FragmentHeader.LENGTH;
        int length = buf.writerIndex() - dataIndex;
        int end = offset + length;
        if (end > MAX_PAYLOAD) {
            parameterProblem(packet, IcmpError.CODE_ERRONEOUS_HEADER_FIELD,
                    fragmentHeaderOffset + Ipv6FragmentHeader.OFFSET_FIELD_OFFSET, DropReason.FRAGMENT_TOO_BIG);
            return;
        }
        if (more && (end & 7) != 0) {
            parameterProblem(packet, IcmpError.CODE_ERRONEOUS_HEADER_FIELD, Ipv6Header.PAYLOAD_LENGTH_OFFSET,
                    DropReason.FRAGMENT_NOT_MULTIPLE_OF_8);
            return;
        }
        int ingress = Ipv6Header.scopedDestination(packet.destinationHigh()) ? packet.ingressIndex() : 0;
        lookup.set(packet.sourceHigh(), packet.sourceLow(), packet.destinationHigh(), packet.destinationLow(),
                packet.identification(), ingress);
        int nextHeader = -1;
        int nextHeaderIndex = 0;
        if (offset == 0) {
            // Remember the Fragment header's next header and where the byte naming the Fragment header sits.
            chain.walk(buf, start, buf.writerIndex());
            nextHeaderIndex = chain.fragmentNextHeaderIndex() - start;
            nextHeader = Ipv6FragmentHeader.nextHeader(buf, start + fragmentHeaderOffset);
        }
        fragment.data(buf, dataIndex, offset, length, !more).header(start, fragmentHeaderOffset)
                .flags(EcnCombiner.bit(packet.ecn()))
                .route(packet.forwarding(), packet.forwarding() ? forwardedOverlapPolicy : localOverlapPolicy)
                .decryptedNext(packet.protocol() == IpProtocols.ESP && !packet.forwarding());
        InsertResult result = table.insert(lookup, fragment, nowNanos(), ctx.alloc());
        if (nextHeader >= 0 && (result == InsertResult.QUEUED || result == InsertResult.COMPLETE)) {
            Ipv6Queue q = (Ipv6Queue) (result == InsertResult.COMPLETE ? table.completedQueue() : table.lastQueue());
            if (q != null && q.nextHeader < 0) {
                q.nextHeader = nextHeader;
                q.nextHeaderIndex = nextHeaderIndex;
            }
        }
        if (result == InsertResult.COMPLETE) {
            complete(ctx, packet);
        }
        packet.releaseWrapper(); // the table took the buffer over: the packet object goes back to its pool
    }

    /** The IPv6 state of a datagram being reassembled (Linux {@code struct frag_queue}). */
    private static final class Ipv6Queue extends FragmentQueue<Ipv6FragmentKey> {
        /** The first fragment's Fragment header next header, -1 until it arrived. */
        int nextHeader = -1;
        /** Where, from the start of the packet, the byte naming the Fragment header sits. */
        int nextHeaderIndex;
    }

    @Override
    protected FragmentQueue<Ipv6FragmentKey> newQueue() {
        return new Ipv6Queue();
    }

    private static boolean incompleteChain(IpPacket packet) {
        if ((packet.flags() & IpPacket.FLAG_CHAIN_INCOMPLETE) != 0) {
            return true;
        }
        int need;
        switch (packet.protocol()) {
            case IpProtocols.TCP:
                need = 20;
                break;
            case IpProtocols.UDP:
            case IpProtocols.ICMPV6:
                need = 8;
                break;
            case IpProtocols.NO_NEXT_HEADER:
                need = 0;
                break;
            default:
                need = 1;
        }
        return packet.upperLength() < need;
    }

    private void complete(ChannelHandlerContext ctx, IpPacket first) {
        Ipv6Queue q = (Ipv6Queue) table.completedQueue();
        ByteBuf result = table.takeCompleted();
        int headerLength = q.headerLength();
        // as Linux ip6_frag_reasm: payload length = extension headers of the unfragmentable part + fragmentable part
        int payloadLength = headerLength - Ipv6Header.LENGTH + q.length();
        if (payloadLength > MAX_PAYLOAD) {
            failReassembled(result, DropReason.REASSEMBLED_TOO_BIG);
            return;
        }
        int ecn = EcnCombiner.combine(q.flags());
        if (ecn == EcnCombiner.DROP) {
            failReassembled(result, DropReason.ECN_MISMATCH);
            return;
        }
        int start = result.readerIndex();
        result.setByte(start + q.nextHeaderIndex, q.nextHeader);
        Ipv6Header.payloadLength(result, start, payloadLength);
        if (ecn != 0) {
            result.setByte(start + 1, result.getByte(start + 1) | (ecn << 4));
        }
        chain.walk(result, start, result.writerIndex());
        counters.increment(MibCounter.REASM_OKS);
        int flags = IpPacket.FLAG_REASSEMBLED | (q.forwarding() ? IpPacket.FLAG_FORWARDING : 0);
        if (chain.status() != Ipv6HeaderChain.Status.OK) {
            // cannot happen: the first fragment's chain was checked; kept as a guard against a broken header store
            failReassembled(result, DropReason.BAD_EXTENSION_HEADER);
            return;
        }
        ctx.fireChannelRead(packet.addresses(6, first.sourceHigh(), first.sourceLow(), first.destinationHigh(),
                first.destinationLow()).upper(chain.upperProtocol(), chain.upperIndex() - start)
                .trafficClass(Ipv6Header.trafficClass(result, start), Ipv6Header.hopLimit(result, start))
                .notFragment().identification(first.identification()).flags(flags).ingressIndex(first.ingressIndex())
                .maxFragmentSize(q.maxFragmentSize()).depth(first.depth()).build(result));
    }

    private void failReassembled(ByteBuf result, DropReason reason) {
        counters.increment(MibCounter.REASM_FAILS);
        counters.drop(reason);
        result.release();
    }

    private void parameterProblem(IpPacket packet, int code, int pointer, DropReason reason) {
        counters.increment(MibCounter.IN_HDR_ERRORS);
        counters.increment(MibCounter.OUT_PARM_PROBLEMS);
        counters.drop(reason);
        ByteBuf quote = packet.content();
        quote.writerIndex(quote.readerIndex() + Math.min(ICMP_QUOTE_LIMIT, quote.readableBytes()));
        emitIcmp(new IcmpError(quote, 6, IcmpError.ICMPV6_PARAMETER_PROBLEM, code, pointer,
                packet.sourceAddress()));
    }

    @Override
    protected void expired(FragmentQueue<Ipv6FragmentKey> queue) {
        Ipv6Queue q = (Ipv6Queue) queue;
        if (!q.firstIn()) {
            return; // as Linux ip6frag_expire_frag_queue: no error unless the first fragment arrived
        }
        Ipv6FragmentKey key = q.key();
        ByteBuf quote = icmpQuoteBuffer(ICMP_QUOTE_LIMIT);
        if (quote == null) {
            return; // out of memory: the datagram is gone either way, its ICMP error is not sent (counted)
        }
        boolean ok = false;
        try {
            q.copyHeaderTo(quote);
            int fh = quote.writerIndex();
            quote.writeZero(Ipv6FragmentHeader.LENGTH);
            Ipv6FragmentHeader.write(quote, fh, q.nextHeader, 0, true, key.identification);
            q.copyFirstDataTo(quote, Math.max(0, ICMP_QUOTE_LIMIT - quote.readableBytes()));
            quote.writerIndex(Math.min(quote.writerIndex(), ICMP_QUOTE_LIMIT));
            counters.increment(MibCounter.OUT_TIME_EXCDS);
            emitIcmp(new IcmpError(quote, 6, IcmpError.ICMPV6_TIME_EXCEEDED,
                    IcmpError.CODE_REASSEMBLY_TIME_EXCEEDED, 0,
                    IpPacket.address(6, key.sourceHigh, key.sourceLow)));
            ok = true;
        } finally {
            if (!ok) {
                quote.release();
            }
        }
    }
}
